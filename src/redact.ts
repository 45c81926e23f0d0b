/**
 * Keeps secrets out of everything the CLI prints: known secret values (the credentials in the
 * environment, and every credential the AWS SDK resolved from any provider: remembered here as the
 * clients resolve them), passwords in endpoint URLs, and AWS key-ID shapes.
 */
const KEY_ID = /\b(AKIA|ASIA|AROA|AIDA)[\dA-Z]{12,}\b/g
/** The user name and password of a URL (scheme://user:pass@host). */
const URL_USERINFO = /\b([a-z][\d+.a-z-]*:\/\/)[^\s/?#@]*@/gi
/** Shorter values would mask ordinary words; key IDs, secret keys and tokens are far longer. */
const MIN_SECRET_LENGTH = 8

const resolved = new Set<string>()

/** Remembers secrets the SDK resolved (a credentials file's session token, an SSO role's keys). */
export function rememberSecrets(...values: (string | undefined)[]): void {
  for (const value of values) if (value && value.length >= MIN_SECRET_LENGTH) resolved.add(value)
}

/** The passwords (and user names) in the endpoint URLs the environment sets, as written and decoded. */
function endpointSecrets(env: NodeJS.ProcessEnv): string[] {
  const secrets: string[] = []
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('AWS_ENDPOINT_URL') || !value) continue
    const userinfo = /^[^/]*\/\/([^/@]*)@/.exec(value)?.[1]
    if (!userinfo) continue
    for (const part of userinfo.split(':')) {
      secrets.push(part)
      try {
        secrets.push(decodeURIComponent(part))
      } catch {
        // Not percent-encoded as a URL would be: the part as written is enough.
      }
    }
  }

  return secrets
}

export function redact(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text.replaceAll(URL_USERINFO, '$1****@')
  const names = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'AWS_ACCESS_KEY_ID']
  const secrets = [...names.map(name => env[name]), ...endpointSecrets(env), ...resolved]
  for (const secret of secrets) {
    if (secret && secret.length >= MIN_SECRET_LENGTH) out = out.split(secret).join('****')
  }

  return out.replaceAll(KEY_ID, '****')
}

/** Keeps secrets out of everything the CLI prints: known secret values and AWS key-ID shapes. */
const KEY_ID = /\b(AKIA|ASIA|AROA|AIDA)[\dA-Z]{12,}\b/g

export function redact(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text
  for (const name of ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'AWS_ACCESS_KEY_ID']) {
    const secret = env[name]
    if (secret && secret.length >= 8) out = out.split(secret).join('****')
  }

  return out.replaceAll(KEY_ID, '****')
}

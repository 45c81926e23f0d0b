/** SENTINEL_DEBUG=1 (or true, yes, on) turns debugging on; 0, false, no, off or unset leave it off. */
export function isDebug(env: NodeJS.ProcessEnv = process.env): boolean {
  return /^(1|true|yes|on)$/i.test(env.SENTINEL_DEBUG?.trim() ?? '')
}

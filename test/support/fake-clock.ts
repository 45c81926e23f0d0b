/**
 * A clock for the provisioning service's unit tests (its Clock): time moves only when the code
 * under test sleeps, and every pause is kept.
 */
export function fakeClock() {
  let time = 1_000_000
  const sleeps: number[] = []
  return {
    now: () => time,
    async sleep(ms: number) {
      sleeps.push(ms)
      time += ms
    },
    sleeps,
  }
}

import {removeScratch} from './cli.js'
import {stopAllServers} from './servers.js'

export const mochaHooks = {
  async afterAll() {
    await stopAllServers()
    removeScratch()
  },
}

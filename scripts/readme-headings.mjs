// `oclif readme` titles each command with its first USAGE line, which for sentinel's commands is the
// whole flag synopsis (src/shared/usage.ts) with the ID spelt with a colon. Titles and contents
// links become the command as typed (`sentinel init all`); the USAGE inside each section stays whole.
import {readFileSync, writeFileSync} from 'node:fs'

const pjson = JSON.parse(readFileSync('package.json', 'utf8'))
const {bin} = pjson.oclif
const separator = pjson.oclif.topicSeparator ?? ':'
const title = usage => {
  const [id] = usage.split(' ')
  return `${bin} ${id.replaceAll(':', separator)}`
}

const slug = text => text.toLowerCase().replaceAll(/[^\w\- ]/g, '').replaceAll(' ', '-')
const readme = readFileSync('README.md', 'utf8')
.replaceAll(new RegExp(String.raw`^\* \[\`${bin} ([\w:]+ \[--[^\`]*)\`\]\(#[^)]*\)$`, 'gm'), (_, usage) =>
  `* [\`${title(usage)}\`](#${slug(title(usage))})`)
.replaceAll(new RegExp(String.raw`^## \`${bin} ([\w:]+ \[--[^\`]*)\`$`, 'gm'), (_, usage) => `## \`${title(usage)}\``)
writeFileSync('README.md', readme)

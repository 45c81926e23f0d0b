/**
 * The HCL writer behind --export terraform: whatever it is given comes back unchanged through
 * HashiCorp's own parser (@cdktf/hcl2json), and its layout is what `terraform fmt` writes
 * (@cdktf/hcl-tools runs hclwrite's formatter).
 */
import {format as terraformFmt} from '@cdktf/hcl-tools'
import {expect} from 'chai'

import {
  attribute, block, call, comment, quote, reference, renderHcl,
} from '../../src/export/hcl.js'
import {parseTerraform, terraformString} from '../support/iac.js'

const TRICKY_STRINGS = [
  'plain',
  '',
  'say "hi"',
  String.raw`back\slash`,
  'new\nline',
  'carriage\rreturn',
  'tab\there',
  'bell\u0007 and del\u007F',
  'café ☕ 𝄞',
  '${var.not_an_expression}',
  '%{if true}not a directive%{endif}',
  '$${already doubled}',
  'dollar $ and percent % and brace {',
  'ends with $',
  'ends with %',
  '$',
  '${',
  '\\${',
]

describe('export: HCL writer', () => {
  it("escapes every string so HashiCorp's parser reads back exactly the same text", async () => {
    const items = TRICKY_STRINGS.map((text, index) => attribute(`s${index}`, text))
    const parsed = await parseTerraform(renderHcl([block('locals', [], items)]))
    for (const [index, text] of TRICKY_STRINGS.entries()) {
      expect(terraformString(parsed.locals[0][`s${index}`]), JSON.stringify(text)).to.deep.equal({literal: text})
    }
  })

  it('escapes labels and object keys the same way, quoting keys that are not plain identifiers', async () => {
    const keys = [
      'team',
      'sentinel:table',
      'cost center',
      'for',
      'true',
      'null',
      'with-dash',
      '1st',
      'quote"d',
      '${x}',
    ]
    const map = Object.fromEntries(keys.map((key, index) => [key, `v${index}`]))
    const text = renderHcl([block('resource', ['aws_thing', 'label "with" ${stuff}'], [attribute('tags', map)])])
    const parsed = await parseTerraform(text)
    const [label] = Object.keys(parsed.resource.aws_thing)
    expect(label).to.equal('label "with" ${stuff}')
    const {tags} = parsed.resource.aws_thing[label][0]
    expect(Object.keys(tags).map(key => terraformString(key).literal)).to.have.members(keys)
    expect(text).to.contain('\n    team ').and.contain('"sentinel:table"').and.contain('"for"').and.contain('"true"')
  })

  it('writes references and function calls bare, and refuses anything that is not one', async () => {
    const text = renderHcl([
      block(
        'output',
        ['x'],
        [
          attribute('value', reference('aws_dynamodb_table.session.arn')),
          attribute('ok', call('can', call('regex', '^a+$', reference('var.name')))),
        ],
      ),
    ])
    const parsed = await parseTerraform(text)
    expect(parsed.output.x[0]).to.deep.equal({
      ok: '${can(regex("^a+$", var.name))}',
      value: '${aws_dynamodb_table.session.arn}',
    })
    expect(() => reference('var.x} ${evil')).to.throw('Not an HCL reference')
    expect(() => reference('')).to.throw('Not an HCL reference')
    expect(() => call('f(x)')).to.throw('Not an HCL function name')
    expect(() => attribute('not valid', 1)).to.throw('Not an HCL attribute name')
    expect(() => block('not-valid!', [], [])).to.throw('Not an HCL block type')
    expect(() => renderHcl([attribute('n', Number.NaN)])).to.throw('HCL has no number')
  })

  it('lays a document out exactly as terraform fmt does', async () => {
    const text = renderHcl(
      [
        block(
          'terraform',
          [],
          [
            attribute('required_version', '>= 1.5.0'),
            block('required_providers', [], [attribute('aws', {source: 'hashicorp/aws', version: '>= 5.0'})]),
          ],
        ),
        block(
          'locals',
          [],
          [
            attribute('a', 1),
            attribute('longer_name', true),
            attribute('list', ['x', 2, false, reference('var.y')]),
            attribute('empty', {}),
            attribute('map', {'a b': 'c', long_key: 'd'}),
            attribute('after_map', 'e'),
            comment('a note', ''),
            attribute('commented', 'f'),
            block('nested', ['label'], []),
            attribute('last', 1.5),
          ],
        ),
      ],
      ['header line', '', 'after a blank'],
    )
    expect(await terraformFmt(text)).to.equal(text)
    expect(text.startsWith('# header line\n#\n# after a blank\n\nterraform {')).to.equal(true)
    const parsed = await parseTerraform(text)
    expect(parsed.locals[0]).to.deep.include({
      a: 1,
      after_map: 'e',
      commented: 'f',
      empty: {},
      last: 1.5,
      list: ['x', 2, false, '${var.y}'],
      longer_name: true,
    })
    expect(parsed.locals[0].map).to.deep.equal({'a b': 'c', long_key: 'd'})
  })

  it('quote() doubles the template openers and nothing else', () => {
    expect(quote('${a} %{b} $c %d')).to.equal('"$${a} %%{b} $c %d"')
    expect(quote('"\\\n')).to.equal(String.raw`"\"\\\n"`)
  })
})

/** The gateway configs of S8 (bench/decisions.ts): every route decides gifts and delivers them to file-logger. */
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { writeGatewayConfig } from './lib.ts'

export const GIFT = 'Live.CallbackBeforeSendGift'
/** The audit log, relative to the config's folder. */
export const AUDIT_LOG = 'logs/decisions.jsonl'

const AUDIT = `  audit: { use: file-logger, options: { path: ./${AUDIT_LOG} } }\n`
const route = (decider: string) => `routes:\n  - match: ${GIFT}\n    decide: ${decider}\n    onFailure: deny\n    to: [audit]\n`

export function httpDecideConfig(servicePort: number): string {
  return writeGatewayConfig(`plugins:\n  check: { use: http-decide, options: { url: "http://127.0.0.1:${servicePort}/decide" } }\n${AUDIT}${route('check')}`)
}

/** 2,000 made-up words plus "fireworks", which every BANNED_EVERY-th gift is. */
export function rulesConfig(): string {
  const path = writeGatewayConfig(`plugins:
  limit:
    use: rules
    options:
      wordLists: { banned: { file: ./banned.txt } }
      rules:
        - name: huge-gift
          commands: [${GIFT}]
          if: [{ field: GiftWater.Coins, gt: 50000 }]
          then: { action: deny, errorCode: 102102, errorInfo: 'gift too large' }
        - name: banned-gift
          commands: [${GIFT}]
          if: [{ field: GiftWater.GiftId, containsWord: banned }]
          then: { action: deny, errorCode: 102103, errorInfo: 'gift not allowed here' }
        - name: gift-rate
          commands: [${GIFT}]
          limit: { by: GiftWater.From_Account, max: 3, perSeconds: 5 }
          then: { action: deny, errorCode: 102101, errorInfo: 'too many gifts, slow down' }
${AUDIT}${route('limit')}`)
  const words = Array.from({ length: 2000 }, (_, i) => `gift${(i * 7919).toString(36)}word`)
  writeFileSync(join(dirname(path), 'banned.txt'), [...words, 'fireworks'].join('\n'))
  return path
}

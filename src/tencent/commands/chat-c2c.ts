/**
 * Chat one-to-one message commands (docs/design.md §8.3), from Tencent's Chat webhook list
 * (https://www.tencentcloud.com/document/product/1047/34355); each entry names its page.
 */
import { AccountId, CHAT, command, EventTimeMs, Int, MsgBody, Str, type CommandEntry } from './fields.ts'

const CHAT_P = 'Chat' as const
const TIME = 1670574414123
/** A one-to-one message as its Before and After callbacks (and the C2C bot's) carry it. */
export const C2C_MESSAGE = { From_Account: AccountId, To_Account: AccountId, MsgBody }
export const C2C_MESSAGE_OPTIONAL = {
  MsgSeq: Int,
  MsgRandom: Int,
  MsgTime: Int,
  MsgKey: Str,
  OnlineOnlyFlag: Int,
  CloudCustomData: Str,
  MsgId: Str,
  EventTime: EventTimeMs,
}
export const C2C_RESULT = { SendMsgResult: Int, ErrorInfo: Str, UnreadMsgNum: Int }
export const C2C_SAMPLE = {
  From_Account: 'jared',
  To_Account: 'Jonh',
  MsgSeq: 48374,
  MsgRandom: 2837546,
  MsgTime: 1557481126,
  MsgKey: '48374_2837546_1557481126',
  OnlineOnlyFlag: 1,
  MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'red packet' } }],
  CloudCustomData: 'your cloud custom data',
}

export const CHAT_C2C_COMMANDS: CommandEntry[] = [
  command('C2C.CallbackBeforeSendMsg', {
    product: CHAT_P,
    meaning: 'a one-to-one message is about to be sent: allow, refuse, drop or rewrite',
    page: `${CHAT}/34364`,
    required: C2C_MESSAGE,
    optional: C2C_MESSAGE_OPTIONAL,
    sample: C2C_SAMPLE,
  }),
  command('C2C.CallbackAfterSendMsg', {
    product: CHAT_P,
    meaning: 'a one-to-one message was sent (or failed: SendMsgResult)',
    page: `${CHAT}/34365`,
    required: C2C_MESSAGE,
    optional: { ...C2C_MESSAGE_OPTIONAL, ...C2C_RESULT },
    sample: { ...C2C_SAMPLE, SendMsgResult: 0, ErrorInfo: 'send msg succeed', UnreadMsgNum: 1, EventTime: TIME },
  }),
  command('C2C.CallbackAfterMsgReport', {
    product: CHAT_P,
    meaning: 'a user read a one-to-one conversation up to a time',
    page: `${CHAT}/43465`,
    required: { Report_Account: AccountId, Peer_Account: AccountId, LastReadTime: Int },
    optional: { UnreadMsgNum: Int, EventTime: EventTimeMs },
    sample: { Report_Account: 'jared', Peer_Account: 'Jonh', LastReadTime: 1557481126, UnreadMsgNum: 0, EventTime: TIME },
  }),
  command('C2C.CallbackAfterMsgWithDraw', {
    product: CHAT_P,
    meaning: 'a one-to-one message was recalled',
    page: `${CHAT}/43466`,
    required: { From_Account: AccountId, To_Account: AccountId, MsgKey: Str },
    optional: { UnreadMsgNum: Int, EventTime: EventTimeMs },
    sample: { From_Account: 'jared', To_Account: 'Jonh', MsgKey: '48374_2837546_1557481126', UnreadMsgNum: 0, EventTime: TIME },
  }),
]

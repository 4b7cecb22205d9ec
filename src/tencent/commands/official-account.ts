/**
 * Chat Official Account (channel) commands (docs/design.md §8.3), pages
 * https://trtc.io/document/60795 to 60805 (the same ids under tencentcloud.com/document/product/1047).
 */
import { Type as t } from '@sinclair/typebox'
import { AccountId, command, EventTimeMs, Id, Int, MsgBody, obj, Str, TRTC_IO, type CommandEntry } from './fields.ts'

const CHAT_P = 'Chat' as const
const TIME = 1670574414123
const OA = '@TOA#_test_OA_for_penn'
const Subscribers = t.Array(obj({ Subscriber_Account: AccountId }))
const SUBSCRIBERS = { Official_Account: Id, Operator_Account: AccountId, SubscribeAccountList: Subscribers }
const SUBSCRIBERS_SAMPLE = {
  Official_Account: OA,
  Operator_Account: 'leckie',
  SubscribeAccountList: [{ Subscriber_Account: 'jared' }, { Subscriber_Account: 'leckie' }],
  EventTime: TIME,
}
const MSG = [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hello subscribers' } }]
const OPT = { EventTime: EventTimeMs }

export const OFFICIAL_ACCOUNT_COMMANDS: CommandEntry[] = [
  command('OfficialAccount.CallbackBeforeCreateOfficialAccount', {
    product: CHAT_P,
    meaning: 'an official account is about to be created: allow or refuse',
    page: `${TRTC_IO}/60795`,
    required: { Operator_Account: AccountId, Owner_Account: AccountId, Name: Str },
    optional: OPT,
    sample: { Operator_Account: 'admin', Owner_Account: 'leckie', Name: 'TestOA', EventTime: TIME },
  }),
  command('OfficialAccount.CallbackAfterCreateOfficialAccount', {
    product: CHAT_P,
    meaning: 'an official account was created',
    page: `${TRTC_IO}/60796`,
    required: { Operator_Account: AccountId, Official_Account: Id, Owner_Account: AccountId, Name: Str },
    optional: OPT,
    sample: { Operator_Account: 'admin', Official_Account: OA, Owner_Account: 'leckie', Name: 'TestOA', EventTime: TIME },
  }),
  command('OfficialAccount.CallbackAfterOfficialAccountInfoChanged', {
    product: CHAT_P,
    meaning: "an official account's name, introduction, photo or organization changed",
    page: `${TRTC_IO}/60797`,
    required: { Official_Account: Id, Operator_Account: AccountId },
    optional: { Introduction: Str, Name: Str, FaceUrl: Str, Organization: Str, ...OPT },
    sample: {
      Official_Account: OA,
      Operator_Account: 'leckie',
      Introduction: 'NewNotification',
      Name: 'NewName',
      FaceUrl: 'http://this.is.newface.url',
      Organization: 'NewOrganization',
      EventTime: TIME,
    },
  }),
  command('OfficialAccount.CallbackAfterOfficialAccountDestroyed', {
    product: CHAT_P,
    meaning: 'an official account was destroyed',
    page: `${TRTC_IO}/60798`,
    required: { Official_Account: Id, Owner_Account: AccountId },
    optional: { Name: Str, ...OPT },
    sample: { Official_Account: OA, Owner_Account: 'leckie', Name: 'TestOA', EventTime: TIME },
  }),
  command('OfficialAccount.CallbackBeforeAddSubscriber', {
    product: CHAT_P,
    meaning: 'users are about to subscribe to an official account: allow, refuse, or refuse some',
    page: `${TRTC_IO}/60799`,
    required: SUBSCRIBERS,
    optional: OPT,
    sample: { ...SUBSCRIBERS_SAMPLE, Official_Account: '@TOA#_test_for_penn', Operator_Account: '107867' },
  }),
  command('OfficialAccount.CallbackAfterAddSubscriber', {
    product: CHAT_P,
    meaning: 'users subscribed to an official account',
    page: `${TRTC_IO}/60800`,
    required: SUBSCRIBERS,
    optional: OPT,
    sample: SUBSCRIBERS_SAMPLE,
  }),
  command('OfficialAccount.CallbackAfterOfficialAccountFull', {
    product: CHAT_P,
    meaning: 'an official account reached its subscriber limit',
    page: `${TRTC_IO}/60801`,
    required: { Official_Account: Id },
    optional: OPT,
    sample: { Official_Account: OA, EventTime: TIME },
  }),
  command('OfficialAccount.CallbackAfterDeleteSubscriber', {
    product: CHAT_P,
    meaning: 'users unsubscribed from an official account, or were removed',
    page: `${TRTC_IO}/60802`,
    required: SUBSCRIBERS,
    optional: OPT,
    sample: SUBSCRIBERS_SAMPLE,
  }),
  command('OfficialAccount.CallbackBeforeSendMsg', {
    product: CHAT_P,
    meaning: 'an official account message is about to be sent: allow, refuse, drop or rewrite',
    page: `${TRTC_IO}/60803`,
    required: { Official_Account: Id, MsgBody },
    optional: { OnlineOnlyFlag: Int, CloudCustomData: Str, ...OPT },
    sample: { Official_Account: OA, OnlineOnlyFlag: 0, MsgBody: MSG, CloudCustomData: 'your cloud custom data', EventTime: TIME },
  }),
  command('OfficialAccount.CallbackAfterSendMsg', {
    product: CHAT_P,
    meaning: 'an official account message was delivered to subscribers',
    page: `${TRTC_IO}/60804`,
    required: { Official_Account: Id, MsgKey: Str, MsgBody },
    optional: { MsgTime: Int, OnlineOnlyFlag: Int, CloudCustomData: Str, ...OPT },
    sample: {
      Official_Account: OA,
      MsgKey: '71_1_1698741698',
      MsgTime: 1698741698,
      OnlineOnlyFlag: 0,
      MsgBody: MSG,
      CloudCustomData: 'your cloud custom data',
      EventTime: TIME,
    },
  }),
  command('OfficialAccount.CallbackAfterMsgWithDraw', {
    product: CHAT_P,
    meaning: 'official account messages were recalled',
    page: `${TRTC_IO}/60805`,
    required: { Official_Account: Id, WithdrawMsgList: t.Array(obj({ MsgKey: Str })) },
    optional: OPT,
    sample: { Official_Account: '#TOA#_123', WithdrawMsgList: [{ MsgKey: '71_1_1698741698' }], EventTime: TIME },
  }),
]

/**
 * Chat group commands (docs/design.md §8.3), from Tencent's Chat webhook list
 * (https://www.tencentcloud.com/document/product/1047/34355); each entry names its page.
 * Field types follow each page's table, cross-checked with doocs/qcloud-im-server-sdk-java's
 * callback entities. Live's room chat uses the two message commands too (`Type: "Live"`).
 */
import { Type as t } from '@sinclair/typebox'
import { AccountId, CHAT, command, EventTimeMs, Id, Int, Members, MsgBody, obj, Str, type CommandEntry } from './fields.ts'

const CHAT_P = 'Chat' as const
export const GROUP = { GroupId: Id, Type: Str }
const TIME = 1670574414123
const MSG = [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'red packet' } }]
export const UserDefinedDataList = t.Array(obj({ Key: Str }, { Value: t.Unknown() }))
/** The optional fields of a group message (Before and After). */
const MESSAGE = { Operator_Account: AccountId, Random: Int, OnlineOnlyFlag: Int, CloudCustomData: Str, TopicId: Str, MsgId: Str, EventTime: EventTimeMs }
export const PROFILE = { Name: Str, Introduction: Str, Notification: Str, FaceUrl: Str, EventTime: EventTimeMs }

export const CHAT_GROUP_COMMANDS: CommandEntry[] = [
  command('Group.CallbackBeforeCreateGroup', {
    product: CHAT_P,
    meaning: 'a group is about to be created: allow or refuse',
    page: `${CHAT}/34368`,
    required: { Operator_Account: AccountId, Owner_Account: AccountId, Type: Str, Name: Str },
    // The newest ZH page has no CreateGroupNum; the EN page and older ZH page have it.
    optional: { CreateGroupNum: Int, MemberList: Members, UserDefinedDataList, EventTime: EventTimeMs },
    sample: {
      Operator_Account: 'leckie',
      Owner_Account: 'leckie',
      Type: 'Public',
      Name: 'MyFirstGroup',
      CreateGroupNum: 1,
      MemberList: [{ Member_Account: 'bob' }],
      EventTime: TIME,
    },
  }),
  command('Group.CallbackAfterCreateGroup', {
    product: CHAT_P,
    meaning: 'a group was created',
    page: `${CHAT}/34369`,
    required: { ...GROUP, Operator_Account: AccountId, Owner_Account: AccountId, Name: Str },
    optional: { MemberList: Members, UserDefinedDataList, EventTime: EventTimeMs },
    sample: {
      GroupId: '@TGS#2J4SZEAEL',
      Operator_Account: 'leckie',
      Owner_Account: 'leckie',
      Type: 'Public',
      Name: 'MyFirstGroup',
      MemberList: [{ Member_Account: 'bob' }],
      EventTime: TIME,
    },
  }),
  command('Group.CallbackBeforeApplyJoinGroup', {
    product: CHAT_P,
    meaning: 'a user asks to join a group: allow or refuse',
    page: `${CHAT}/34370`,
    required: { ...GROUP, Requestor_Account: AccountId },
    optional: { EventTime: EventTimeMs },
    sample: { GroupId: '@TGS#2J4SZEAEL', Type: 'Public', Requestor_Account: 'leckie', EventTime: TIME },
  }),
  command('Group.CallbackBeforeInviteJoinGroup', {
    product: CHAT_P,
    meaning: 'users are about to be invited to a group: allow, refuse, or refuse some',
    page: `${CHAT}/34371`,
    required: { ...GROUP, Operator_Account: AccountId, DestinationMembers: Members },
    optional: { EventTime: EventTimeMs },
    sample: {
      GroupId: '@TGS#2J4SZEAEL',
      Type: 'Public',
      Operator_Account: 'leckie',
      DestinationMembers: [{ Member_Account: 'jared' }, { Member_Account: 'tommy' }],
      EventTime: TIME,
    },
  }),
  command('Group.CallbackAfterNewMemberJoin', {
    product: CHAT_P,
    meaning: 'users joined a group (applied, invited, or added by REST)',
    page: `${CHAT}/34372`,
    required: { ...GROUP, JoinType: Str, Operator_Account: AccountId, NewMemberList: Members },
    optional: { EventTime: EventTimeMs },
    sample: {
      GroupId: '@TGS#2J4SZEAEL',
      Type: 'Public',
      JoinType: 'Apply',
      Operator_Account: 'leckie',
      NewMemberList: [{ Member_Account: 'jared' }],
      EventTime: TIME,
    },
  }),
  command('Group.CallbackAfterMemberExit', {
    product: CHAT_P,
    meaning: 'users left a group or were removed',
    page: `${CHAT}/34373`,
    required: { ...GROUP, ExitType: Str, Operator_Account: AccountId, ExitMemberList: Members },
    optional: { EventTime: EventTimeMs },
    sample: {
      GroupId: '@TGS#2J4SZEAEL',
      Type: 'Public',
      ExitType: 'Kicked',
      Operator_Account: 'leckie',
      ExitMemberList: [{ Member_Account: 'jared' }],
      EventTime: TIME,
    },
  }),
  command('Group.CallbackBeforeSendMsg', {
    product: CHAT_P,
    meaning: 'a group (or live room) message is about to be sent: allow, refuse, drop or rewrite',
    page: `${CHAT}/34374`,
    // EventTime is a quoted string in the EN sample, an integer in the table: both accepted.
    required: { ...GROUP, From_Account: AccountId, MsgBody },
    optional: MESSAGE,
    sample: {
      GroupId: '@TGS#2J4SZEAEL',
      Type: 'Public',
      From_Account: 'jared',
      Operator_Account: 'admin',
      Random: 123456,
      OnlineOnlyFlag: 0,
      MsgBody: MSG,
      CloudCustomData: 'your cloud custom data',
      EventTime: '1670574414123',
    },
  }),
  command('Group.CallbackAfterSendMsg', {
    product: CHAT_P,
    meaning: 'a group (or live room) message was sent',
    page: `${CHAT}/34375`,
    required: { ...GROUP, From_Account: AccountId, MsgSeq: Int, MsgTime: Int, MsgBody },
    optional: { ...MESSAGE, GroupAtInfo: t.Array(obj({}, { GroupAtAllFlag: Int, GroupAt_Account: AccountId })) },
    sample: {
      GroupId: '@TGS#2J4SZEAEL',
      Type: 'Public',
      From_Account: 'jared',
      Operator_Account: 'admin',
      Random: 123456,
      MsgSeq: 123,
      MsgTime: 1490686222,
      OnlineOnlyFlag: 0,
      MsgBody: MSG,
      CloudCustomData: 'your cloud custom data',
      EventTime: '1670574414123',
    },
  }),
  command('Group.CallbackAfterGroupFull', {
    product: CHAT_P,
    meaning: 'a group reached its member limit',
    page: `${CHAT}/34376`,
    required: { GroupId: Id },
    optional: { EventTime: EventTimeMs },
    sample: { GroupId: '@TGS#2J4SZEAEL', EventTime: TIME },
  }),
  command('Group.CallbackAfterGroupDestroyed', {
    product: CHAT_P,
    meaning: 'a group was disbanded',
    page: `${CHAT}/34377`,
    required: { ...GROUP, Owner_Account: AccountId },
    optional: { Name: Str, MemberList: Members, EventTime: EventTimeMs },
    sample: {
      GroupId: '@TGS#2J4SZEAEL',
      Type: 'Public',
      Owner_Account: 'leckie',
      Name: 'MyFirstGroup',
      MemberList: [{ Member_Account: 'bob' }],
      EventTime: TIME,
    },
  }),
  command('Group.CallbackAfterGroupInfoChanged', {
    product: CHAT_P,
    meaning: "a group's name, introduction, notice or photo changed",
    page: `${CHAT}/34378`,
    required: { ...GROUP, Operator_Account: AccountId },
    optional: PROFILE,
    sample: { GroupId: '@TGS#2J4SZEAEL', Type: 'Public', Operator_Account: 'admin', Notification: 'New Notification', EventTime: TIME },
  }),
  command('Group.CallbackOnMemberStateChange', {
    product: CHAT_P,
    meaning: 'members of an audio-video group went online or offline',
    page: `${CHAT}/48734`,
    // The page's sample and table carry no Type (and no EventTime): required would refuse what Tencent sends.
    required: { GroupId: Id, EventType: Str, MemberList: Members },
    optional: { Type: Str, EventCause: Str, EventTime: EventTimeMs },
    sample: { GroupId: '@TGS#a6I4ZUUGO', EventType: 'Offline', MemberList: [{ Member_Account: 'testuser' }] },
  }),
  command('Group.CallbackSendMsgException', {
    product: CHAT_P,
    meaning: 'a group message failed to send',
    page: `${CHAT}/49462`,
    required: { ...GROUP, From_Account: AccountId, ErrorCode: Int },
    optional: { ...MESSAGE, MsgBody, ErrorInfo: Str },
    sample: {
      GroupId: '@TGS#2J4SZEAEL',
      Type: 'Public',
      From_Account: 'jared',
      Operator_Account: 'admin',
      Random: 123456,
      OnlineOnlyFlag: 0,
      MsgBody: MSG,
      CloudCustomData: 'your cloud custom data',
      ErrorCode: 10017,
      ErrorInfo: 'msg has been muted',
      EventTime: TIME,
    },
  }),
  command('Group.CallbackAfterMemberFieldChanged', {
    product: CHAT_P,
    meaning: "a group member's role or name card changed",
    page: `${CHAT}/60393`,
    // The page says Member_Account (doocs: Modified_Account); its sample quotes EventTime.
    required: { ...GROUP, Operator_Account: AccountId },
    optional: { Member_Account: AccountId, Modified_Account: AccountId, Role: Str, NameCard: Str, EventTime: EventTimeMs },
    sample: {
      GroupId: '@TGS#xxxx',
      Type: 'Community',
      Operator_Account: 'admin',
      Member_Account: '123456',
      Role: 'Admin',
      NameCard: 'jacky',
      EventTime: '1670574414123',
    },
  }),
  command('Group.CallbackAfterGroupAttrChanged', {
    product: CHAT_P,
    meaning: "a group's custom attributes were set, changed or deleted",
    page: `${CHAT}/60394`,
    // doocs types OptionType String; a number is accepted too.
    required: { ...GROUP, Operator_Account: AccountId, OptionType: t.Union([t.Integer(), t.String()]) },
    optional: { GroupAttr: t.Array(obj({}, { key: Str, value: Str })), EventTime: EventTimeMs },
    sample: {
      GroupId: '@TGS#xxxx',
      Type: 'Community',
      Operator_Account: 'admin',
      OptionType: 1,
      GroupAttr: [{ key: 'attr1', value: 'val1' }],
      EventTime: TIME,
    },
  }),
  command('Group.CallbackAfterReadReceipt', {
    product: CHAT_P,
    meaning: 'group messages were marked read',
    page: `${CHAT}/60395`,
    required: { ...GROUP, GroupMsgReceiptList: t.Array(obj({ MsgSeq: Int }, { Reader_Account: AccountId })) },
    optional: { EventTime: EventTimeMs },
    sample: { GroupId: '@TGS#xxxx', Type: 'Public', GroupMsgReceiptList: [{ MsgSeq: 1, Reader_Account: 'user1' }], EventTime: TIME },
  }),
  command('Group.CallbackAfterChangeGroupOwner', {
    product: CHAT_P,
    meaning: "a group's owner changed",
    page: `${CHAT}/60396`,
    required: { ...GROUP, Operator_Account: AccountId, NewOwner_Account: AccountId },
    optional: { OldOwner_Account: AccountId, EventTime: EventTimeMs },
    sample: { GroupId: '@TGS#xxxx', Type: 'Public', Operator_Account: 'admin', OldOwner_Account: 'user1', NewOwner_Account: 'user2', EventTime: TIME },
  }),
  command('Group.CallbackOnDailyGroupQuotaAlarm', {
    product: CHAT_P,
    meaning: "the day's net new groups passed the alarm threshold",
    page: `${CHAT}/57455`,
    required: { QuotaUsed: Int, Quota: Int },
    optional: { EventTime: EventTimeMs },
    sample: { QuotaUsed: 8000, Quota: 10000, EventTime: TIME },
  }),
  command('Group.CallbackAfterRecallMsg', {
    product: CHAT_P,
    meaning: 'group messages were recalled',
    page: `${CHAT}/46979`,
    // The sample quotes EventTime; the table says Integer.
    required: { ...GROUP, Operator_Account: AccountId, MsgSeqList: t.Array(obj({ MsgSeq: Int })) },
    optional: { TopicId: Str, EventTime: EventTimeMs },
    sample: {
      Operator_Account: 'admin',
      Type: 'Community',
      GroupId: '1213456',
      MsgSeqList: [{ MsgSeq: 130 }],
      TopicId: '@TGS#_@TGS#cQVLVHIM62CJ@TOPIC#_TestTopic',
      EventTime: '1670574414123',
    },
  }),
]

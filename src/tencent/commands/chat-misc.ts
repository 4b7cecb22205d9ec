/**
 * Chat's other commands on the same URL (docs/design.md §8.3): online state, profile, API
 * rate alarms, push results, chatbots, calls and content moderation. Each entry names its page.
 */
import { Type as t } from '@sinclair/typebox'
import { C2C_MESSAGE, C2C_MESSAGE_OPTIONAL, C2C_RESULT, C2C_SAMPLE } from './chat-c2c.ts'
import { AccountId, Accounts, CHAT, command, EventTimeMs, Id, Int, MsgBody, obj, Str, Strings, TRTC_IO, type CommandEntry } from './fields.ts'

const CHAT_P = 'Chat' as const
const TIME = 1670574414123
/** Push callbacks batch 1 to 100 events; their EventTime is in seconds. */
const PUSH_EVENT = { CallbackCommand: Str, EventTime: Int, To_Account: AccountId, PushPlatform: Int, PushStage: Int, ErrCode: Int, ErrInfo: Str }
const CallUsers = t.Array(obj({ User_Account: AccountId }, { Status: Str }))
const CALL = { CallId: Str, MediaType: Str, CallMediaType: Str, ChatGroupId: Str, RoomId: Str, RoomIdType: Int }

export const CHAT_MISC_COMMANDS: CommandEntry[] = [
  command('State.StateChange', {
    product: CHAT_P,
    meaning: 'a user logged in, logged out or was disconnected (OptPlatform iOS is spelled IOS here)',
    page: `${CHAT}/34357`,
    required: { Info: obj({ Action: Str, To_Account: AccountId }, { Reason: Str }) },
    optional: { KickedDevice: t.Array(obj({ Platform: Str })), EventTime: EventTimeMs },
    sample: { EventTime: 1629883332497, Info: { Action: 'Login', To_Account: 'testuser316', Reason: 'Register' }, KickedDevice: [{ Platform: 'Windows' }] },
  }),
  command('Profile.CallbackPortraitSet', {
    product: CHAT_P,
    meaning: "a user's profile fields were updated",
    page: `${CHAT}/48733`,
    required: { From_Account: AccountId, ProfileItem: t.Array(obj({ Tag: Str }, { Value: t.Unknown() })) },
    optional: { Operator_Account: AccountId, EventTime: EventTimeMs },
    sample: { Operator_Account: 'admin', From_Account: 'id', ProfileItem: [{ Tag: 'Tag_Profile_IM_Nick', Value: 'NewNick' }], EventTime: TIME },
  }),
  command('Alert.RequestOverLimit', {
    product: CHAT_P,
    meaning: "a REST API's request rate passed 80 % of its limit",
    page: `${TRTC_IO}/60256`,
    required: { ServiceName: Str, Command: Str, Request: Int, Limit: Int },
    sample: { ServiceName: 'openim', Command: 'batchsendmsg', Request: 510, Limit: 200 },
  }),
  command('Push.OfflinePush', {
    product: CHAT_P,
    meaning: 'results of offline pushes of one-to-one and group messages, in batches',
    page: `${TRTC_IO}/67552`,
    required: {
      Events: t.Array(
        obj({ EventType: Int }, { ...PUSH_EVENT, From_Account: AccountId, MsgKey: Str, GroupID: Str, MsgSeq: Int, MsgRandom: Int, MsgTime: Int }),
      ),
    },
    sample: {
      Events: [
        {
          CallbackCommand: 'Push.OfflinePush',
          EventType: 1,
          EventTime: 1557481127,
          From_Account: 'user1',
          To_Account: 'user2',
          PushPlatform: 1,
          PushStage: 1,
          MsgKey: '48374_2837546_1557481126',
          MsgSeq: 48374,
          MsgRandom: 2837546,
          MsgTime: 1557481126,
          ErrCode: 0,
          ErrInfo: 'OK',
        },
      ],
    },
    noBodyCommand: true,
  }),
  command('Push.AllMemberPush', {
    product: CHAT_P,
    meaning: 'results of all-user, tag and user-id pushes, in batches',
    page: `${TRTC_IO}/67551`,
    required: { Events: t.Array(obj({ EventType: Int, TaskId: Str }, { ...PUSH_EVENT, DataId: Str, TaskTime: Int, DeviceType: Int })) },
    sample: {
      Events: [
        {
          CallbackCommand: 'Push.AllMemberPush',
          EventType: 1,
          TaskId: '657bf434_537529d8_2000005e80aa873_2780d131_bc614e',
          TaskTime: 1557481127,
          EventTime: 1557481128,
          To_Account: 'user2',
          PushPlatform: 1,
          PushStage: 1,
          ErrCode: 0,
          ErrInfo: 'OK',
        },
      ],
    },
    noBodyCommand: true,
  }),
  command('Bot.OnC2CMessage', {
    product: CHAT_P,
    meaning: 'a one-to-one message was sent to a chatbot',
    page: `${CHAT}/68952`,
    required: C2C_MESSAGE,
    optional: { ...C2C_MESSAGE_OPTIONAL, ...C2C_RESULT },
    sample: { ...C2C_SAMPLE, SendMsgResult: 0, ErrorInfo: 'send msg succeed', EventTime: TIME },
  }),
  command('Bot.OnGroupMessage', {
    product: CHAT_P,
    meaning: 'a chatbot was @-mentioned in a group',
    page: `${CHAT}/68953`,
    required: { GroupId: Id, Type: Str, From_Account: AccountId, MsgBody },
    optional: {
      Operator_Account: AccountId,
      Random: Int,
      MsgSeq: Int,
      MsgTime: Int,
      OnlineOnlyFlag: Int,
      AtRobotAccount: Accounts,
      CloudCustomData: Str,
      EventTime: EventTimeMs,
    },
    sample: {
      GroupId: '@TGS#2J4SZEAEL',
      Type: 'Public',
      From_Account: 'jared',
      Operator_Account: 'admin',
      Random: 123456,
      MsgSeq: 123,
      OnlineOnlyFlag: 0,
      MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: '@bot hello' } }],
      CloudCustomData: 'your cloud custom data',
      EventTime: TIME,
    },
  }),
  command('Chatbot.OnC2CSignalMessage', {
    product: CHAT_P,
    meaning: 'the app sent custom pass-through content to a chatbot',
    page: `${CHAT}/59057`,
    required: { From_Account: AccountId, To_Account: AccountId, Data: Str },
    optional: { MsgSeq: Int, MsgRandom: Int, MsgKey: Str, EventTime: EventTimeMs },
    sample: {
      From_Account: 'jared',
      To_Account: '@RBT#001',
      MsgSeq: 48374,
      MsgRandom: 2837546,
      MsgKey: '48374_2837546_1557481126',
      Data: '{"cmd":"start"}',
      EventTime: TIME,
    },
  }),
  command('Call.CallbackAfterStartCall', {
    product: CHAT_P,
    meaning: 'a call was started',
    page: `${TRTC_IO}/68941`,
    // The table lists CallId, MediaType, … flat; the sample nests them in CallInfo and names
    // the media CallMediaType. Both places and both names are accepted.
    required: { UserList: CallUsers, EventTime: EventTimeMs },
    optional: { CallInfo: obj({}, CALL), ...CALL },
    sample: {
      CallInfo: { CallId: '055662e1-bc8a-469c-a334-1126c8c17d58', CallMediaType: 'Audio', ChatGroupId: '', RoomId: '', RoomIdType: 1 },
      // The page's sample has bare integers above 2^53 here; see the quirk tests.
      UserList: [
        { User_Account: '144115212830834855', Status: 'Calling' },
        { User_Account: '144115212948889925', Status: 'Waiting' },
      ],
      EventTime: 1740464128807,
    },
  }),
  command('Call.CallbackAfterEndCall', {
    product: CHAT_P,
    meaning: 'a call ended, with its record',
    page: `${TRTC_IO}/68940`,
    required: {
      CallRecord: obj(
        { CallId: Id },
        {
          Caller_Account: AccountId,
          MediaType: Str,
          CallType: Str,
          StartTime: Int,
          EndTime: Int,
          AcceptTime: Int,
          CallResult: Str,
          CalleeList_Account: Accounts,
          RoomId: Str,
          RoomIdType: Int,
        },
      ),
      EventTime: EventTimeMs,
    },
    sample: {
      CallRecord: {
        CallId: '055662e1-bc8a-469c-a334-1126c8c17d58',
        Caller_Account: '10001',
        MediaType: 'Audio',
        CallType: 'SingleCall',
        StartTime: 1741231146,
        EndTime: 1741231296,
        AcceptTime: 0,
        CallResult: 'NotAnswer',
        CalleeList_Account: ['10001', 'user2'],
        RoomId: 'roomid-1434',
        RoomIdType: 2,
      },
      EventTime: 1703589922780,
    },
  }),
  command('Call.CallbackAfterMemberChanged', {
    product: CHAT_P,
    meaning: 'members of a call answered, refused, hung up, joined or were invited',
    page: `${TRTC_IO}/69215`,
    required: { CallId: Id, ChangedUserList: t.Array(obj({ User_Account: AccountId }, { ActionType: Str })), EventTime: EventTimeMs },
    optional: { UserList: CallUsers },
    sample: {
      CallId: '055662e1-bc8a-469c-a334-1126c8c17d58',
      UserList: [
        { User_Account: 'user1', Status: 'Calling' },
        { User_Account: 'user2', Status: 'Calling' },
      ],
      ChangedUserList: [{ User_Account: 'user2', ActionType: 'Answer' }],
      EventTime: 1740464128807,
    },
  }),
  command('ContentCallback.ResultNotify', {
    product: CHAT_P,
    meaning: 'a cloud moderation result for a message or profile',
    page: `${CHAT}/78240`,
    required: { Scene: Str, ContentType: Str, CtxcbResult: Int },
    optional: {
      SdkAppId: Int,
      From_Account: AccountId,
      ContactItem: obj({}, { ContactType: Int, To_Account: AccountId, ToGroupId: Str }),
      TextContent: Strings,
      FileURL: Str,
      MsgID: Str,
      CtxcbRequestId: Str,
      CtxcbKeywords: Strings,
      CtxcbSuggestion: Str,
      CtxcbLabel: Str,
      CloudCustomData: Str,
    },
    sample: {
      Scene: 'C2C',
      SdkAppId: 1400187352,
      From_Account: 'jared',
      ContactItem: { ContactType: 1, To_Account: 'Jonh' },
      ContentType: 'Text',
      TextContent: ['aaabbbccc', '1234567'],
      MsgID: '1434460578_4137340972_1661154487',
      CtxcbResult: 1,
      CtxcbRequestId: '241ed925-4c56-4357-95dd-1e6e7798f214',
      CtxcbKeywords: ['aaabbbccc', '1234567'],
      CtxcbSuggestion: 'Review',
      CtxcbLabel: 'Sexy',
      CtxcbSubLabel: 'InsinuationPorn',
      CtxcbSubLabelDesc: 'XXXX',
      CtxcbLibName: 'test',
      CloudCustomData: 'aaabbbccc',
    },
    noBodyCommand: true,
  }),
]

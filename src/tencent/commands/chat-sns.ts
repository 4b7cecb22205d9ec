/**
 * Chat relationship commands (docs/design.md §8.3): friends, blocklist and follows, from
 * Tencent's Chat webhook list (https://www.tencentcloud.com/document/product/1047/34355).
 * Live's follow callbacks are the same Follow.* commands (https://trtc.io/document/74356).
 */
import { Type as t } from '@sinclair/typebox'
import { AccountId, CHAT, command, EventTimeMs, Int, obj, Str, type CommandEntry } from './fields.ts'

const CHAT_P = 'Chat' as const
const TIME = 1670574414123
const Pairs = t.Array(obj({ From_Account: AccountId, To_Account: AccountId }, { Initiator_Account: AccountId }))
const PAIRS = [{ From_Account: 'id', To_Account: 'id1' }]
const Follows = t.Array(obj({ To_Account: AccountId }))

export const CHAT_SNS_COMMANDS: CommandEntry[] = [
  command('Sns.CallbackPrevFriendAdd', {
    product: CHAT_P,
    meaning: 'a user is about to add friends: allow or refuse each',
    page: `${CHAT}/43468`,
    required: {
      Requester_Account: AccountId,
      From_Account: AccountId,
      FriendItem: t.Array(obj({ To_Account: AccountId }, { Remark: Str, GroupName: Str, AddSource: Str, AddWording: Str })),
    },
    optional: { AddType: Str, ForceAddFlags: Int, EventTime: EventTimeMs },
    sample: {
      Requester_Account: 'id',
      From_Account: 'id',
      FriendItem: [{ To_Account: 'id1', Remark: 'remark1', GroupName: 'Classmates', AddSource: 'AddSource_Type_XXXXXXXX', AddWording: 'Hello' }],
      AddType: 'Add_Type_Both',
      ForceAddFlags: 1,
      EventTime: TIME,
    },
  }),
  command('Sns.CallbackPrevFriendResponse', {
    product: CHAT_P,
    meaning: 'a user is about to answer friend requests: allow or refuse each',
    page: `${CHAT}/43467`,
    required: {
      Requester_Account: AccountId,
      From_Account: AccountId,
      ResponseFriendItem: t.Array(obj({ To_Account: AccountId }, { Remark: Str, TagName: Str, ResponseAction: Str })),
    },
    optional: { EventTime: EventTimeMs },
    sample: {
      Requester_Account: 'id',
      From_Account: 'id',
      ResponseFriendItem: [{ To_Account: 'id1', Remark: 'remark1', TagName: 'Colleagues', ResponseAction: 'Response_Action_AgreeAndAdd' }],
      EventTime: TIME,
    },
  }),
  command('Sns.CallbackFriendAdd', {
    product: CHAT_P,
    meaning: 'users became friends',
    page: `${CHAT}/34359`,
    required: { PairList: Pairs },
    optional: { ClientCmd: Str, Admin_Account: AccountId, ForceFlag: Int, EventTime: EventTimeMs },
    sample: {
      PairList: [{ From_Account: 'id', To_Account: 'id1', Initiator_Account: 'id' }],
      ClientCmd: 'friend_add',
      Admin_Account: 'admin',
      ForceFlag: 0,
      EventTime: TIME,
    },
  }),
  command('Sns.CallbackFriendDelete', {
    product: CHAT_P,
    meaning: 'friendships were deleted',
    page: `${CHAT}/34360`,
    required: { PairList: Pairs },
    optional: { ClientCmd: Str, EventTime: EventTimeMs },
    sample: { PairList: PAIRS, ClientCmd: 'friend_delete', EventTime: TIME },
  }),
  command('Sns.CallbackBlackListAdd', {
    product: CHAT_P,
    meaning: 'users were added to a blocklist',
    page: `${CHAT}/34361`,
    required: { PairList: Pairs },
    optional: { EventTime: EventTimeMs },
    sample: { PairList: PAIRS, EventTime: TIME },
  }),
  command('Sns.CallbackBlackListDelete', {
    product: CHAT_P,
    meaning: 'users were removed from a blocklist',
    page: `${CHAT}/34362`,
    required: { PairList: Pairs },
    optional: { EventTime: EventTimeMs },
    sample: { PairList: PAIRS, EventTime: TIME },
  }),
  command('Follow.CallbackAfterFollowAdd', {
    product: CHAT_P,
    meaning: 'a user followed others (also Live follows)',
    page: `${CHAT}/70355`,
    required: { From_Account: AccountId, FollowList: Follows },
    optional: { EventTime: EventTimeMs },
    sample: { From_Account: 'viewer-1', FollowList: [{ To_Account: 'host-1' }], EventTime: TIME },
  }),
  command('Follow.CallbackAfterFollowDelete', {
    product: CHAT_P,
    meaning: 'a user unfollowed others (also Live follows)',
    page: `${CHAT}/70356`,
    required: { From_Account: AccountId, FollowList: Follows },
    optional: { EventTime: EventTimeMs },
    sample: { From_Account: 'viewer-1', FollowList: [{ To_Account: 'host-1' }], EventTime: TIME },
  }),
]

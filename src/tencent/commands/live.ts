/**
 * Live (TUILiveKit) commands (docs/design.md §8.3): Tencent's Live command list is
 * https://trtc.io/document/64413; each entry names its own page. Room messages and follows
 * reuse Chat's Group.* and Follow.* commands (chat-group.ts, chat-sns.ts).
 */
import { Type as t } from '@sinclair/typebox'
import { AccountId, Accounts, Bool, command, EventTimeMs, Id, Int, obj, Str, Strings, TRTC_IO, type CommandEntry } from './fields.ts'

const LIVE = 'Live' as const
const ROOM = 'live-room-1'

/** Room settings as Live's room callbacks carry them (create, update, destroy). */
const ROOM_INFO = {
  RoomName: Str,
  RoomType: Str,
  Owner_Account: AccountId,
  MaxMemberCount: Int,
  IsMessageDisabled: Bool,
  CustomInfo: Str,
  IsSeatEnabled: Bool,
  TakeSeatMode: Str,
  MaxSeatCount: Int,
  CreateTime: Int,
  IsPublicVisible: Bool,
  CoverURL: Str,
  Category: t.Array(Int),
  ActivityStatus: Int,
  ViewCount: Int,
  BackgroundURL: Str,
  IsUnlimitedRoomEnabled: Bool,
}
const BattleRoom = obj({ RoomId: Id }, { Owner_Account: AccountId, Score: Int })
const STATISTIC = obj({}, { TotalViewers: Int, TotalGiftsSent: Int, TotalGiftCoins: Int, TotalUniqueGiftSenders: Int, TotalLikesReceived: Int })
const TIME = 1703589922780

export const LIVE_COMMANDS: CommandEntry[] = [
  command('Live.CallbackAfterCreateRoom', {
    product: LIVE,
    meaning: 'a live room was created',
    page: `${TRTC_IO}/64422`,
    // The table lists EventTime; the sample leaves it out.
    required: { Operator_Account: AccountId, RoomInfo: obj({ RoomId: Id }, ROOM_INFO) },
    optional: { EventTime: EventTimeMs },
    sample: {
      Operator_Account: 'host-1',
      RoomInfo: {
        RoomId: ROOM,
        RoomName: 'demo',
        RoomType: 'Live',
        Owner_Account: 'host-1',
        MaxMemberCount: 1000,
        IsMessageDisabled: false,
        CustomInfo: '',
        IsSeatEnabled: true,
        TakeSeatMode: 'ApplyToTake',
        MaxSeatCount: 9,
        CreateTime: 1703589922,
        IsPublicVisible: true,
        CoverURL: '',
        Category: [1, 2],
      },
    },
  }),
  command('Live.CallbackAfterDestroyRoom', {
    product: LIVE,
    meaning: 'a live room was dissolved, by a user or by the system',
    page: `${TRTC_IO}/64423`,
    required: { RoomId: Id, EventType: t.Union([t.Literal('DestroyByUser'), t.Literal('DestroyBySystem')]), EventTime: EventTimeMs },
    // A real DestroyBySystem payload had no Operator_Account and no Statistic (docs/design.md §8.3).
    optional: { Operator_Account: AccountId, RoomInfo: obj({}, { RoomId: Str, ...ROOM_INFO }), Statistic: STATISTIC },
    sample: {
      Operator_Account: 'admin',
      RoomId: 'tandy-test-rest',
      EventType: 'DestroyByUser',
      EventTime: TIME,
      RoomInfo: { RoomName: 'demo', RoomType: 'Live', Owner_Account: 'admin', IsSeatEnabled: true, TakeSeatMode: 'ApplyToTake', MaxMemberCount: 1000 },
      Statistic: { TotalViewers: 12, TotalGiftsSent: 3, TotalGiftCoins: 30, TotalUniqueGiftSenders: 2, TotalLikesReceived: 40 },
    },
  }),
  command('Live.CallbackAfterUpdateRoomInfo', {
    product: LIVE,
    meaning: "a live room's settings changed",
    page: 'https://www.tencentcloud.com/document/product/647/67938',
    required: { Operator_Account: AccountId, RoomInfo: obj({ RoomId: Id }, ROOM_INFO), EventTime: EventTimeMs },
    sample: { Operator_Account: 'host-1', RoomInfo: { RoomId: ROOM, RoomName: 'renamed', MaxMemberCount: 1000, IsMessageDisabled: false }, EventTime: TIME },
  }),
  command('Live.CallbackAfterSetMetadata', {
    product: LIVE,
    meaning: "keys of a live room's metadata were set",
    page: `${TRTC_IO}/68222`,
    required: { Operator_Account: AccountId, RoomId: Id, Metadata: t.Array(obj({ Key: Str }, { Value: Str })), EventTime: EventTimeMs },
    sample: { Operator_Account: 'host-1', RoomId: ROOM, Metadata: [{ Key: 'topic', Value: 'hello' }], EventTime: TIME },
  }),
  command('Live.CallbackAfterDelMetadata', {
    product: LIVE,
    meaning: "keys of a live room's metadata were deleted",
    page: `${TRTC_IO}/68223`,
    required: { Operator_Account: AccountId, RoomId: Id, Keys: Strings, EventTime: EventTimeMs },
    sample: { Operator_Account: 'host-1', RoomId: ROOM, Keys: ['topic'], EventTime: TIME },
  }),
  command('Live.CallbackAfterCreateRoomReachingThreshold', {
    product: LIVE,
    meaning: 'the app reached 70 % of its live room quota',
    page: `${TRTC_IO}/70485`,
    // The table types the counts String / Array; the sample sends integers: both accepted.
    required: { CurRoomCount: t.Union([Int, t.Array(Int)]), MaxRoomCount: t.Union([Int, t.Array(Int)]), EventTime: EventTimeMs },
    optional: { Operator_Account: AccountId },
    sample: { Operator_Account: 'admin', CurRoomCount: 400, MaxRoomCount: 500, EventTime: TIME },
  }),
  command('Live.CallbackAfterMemberStateChanged', {
    product: LIVE,
    meaning: 'members entered or left a live room, lost or regained their heartbeat, or were kicked',
    page: `${TRTC_IO}/64424`,
    required: {
      RoomId: Id,
      EventType: t.Union([t.Literal('Online'), t.Literal('Offline')]),
      EventCause: Str,
      MemberList: t.Array(obj({ Member_Account: AccountId })),
      EventTime: EventTimeMs,
    },
    sample: { RoomId: ROOM, EventType: 'Online', EventCause: 'Enter', MemberList: [{ Member_Account: 'viewer-1' }], EventTime: TIME },
  }),
  command('Live.CallbackAfterChangeOwner', {
    product: LIVE,
    meaning: "a live room's owner changed",
    page: `${TRTC_IO}/72553`,
    required: { RoomId: Id, Operator_Account: AccountId, CurrentOwner_Account: AccountId, OriginalOwner_Account: AccountId, EventTime: EventTimeMs },
    sample: { RoomId: ROOM, Operator_Account: 'host-1', CurrentOwner_Account: 'host-2', OriginalOwner_Account: 'host-1', EventTime: TIME },
  }),
  command('Live.CallbackAfterModifyAdmin', {
    product: LIVE,
    meaning: "a live room's admins were added or removed",
    page: `${TRTC_IO}/72554`,
    required: {
      RoomId: Id,
      Operator_Account: AccountId,
      Admin_Account: Accounts,
      opType: t.Union([t.Literal('add'), t.Literal('delete')]),
      EventTime: EventTimeMs,
    },
    sample: { RoomId: ROOM, Operator_Account: 'host-1', Admin_Account: ['viewer-2'], opType: 'add', EventTime: TIME },
  }),
  command('Mic.CallbackAfterSeatInfoChanged', {
    product: LIVE,
    meaning: 'the seat list of a live (or Room) room changed: the full list, not a diff',
    page: `${TRTC_IO}/64425`,
    required: {
      RoomId: Id,
      SeatList: t.Array(obj({ Index: Int }, { Member_Account: AccountId, IsTakenDisabled: Bool, IsVideoDisabled: Bool, IsAudioDisabled: Bool })),
      EventTime: EventTimeMs,
    },
    sample: {
      RoomId: ROOM,
      SeatList: [
        { Index: 0, Member_Account: 'host-1', IsTakenDisabled: false, IsVideoDisabled: false, IsAudioDisabled: false },
        { Index: 1, IsTakenDisabled: false, IsVideoDisabled: false, IsAudioDisabled: false },
      ],
      EventTime: TIME,
    },
  }),
  command('Live.CallbackAfterCreateBattle', {
    product: LIVE,
    meaning: 'a host invited other rooms to a PK battle',
    page: `${TRTC_IO}/68259`,
    required: { Operator_Account: AccountId, BattleId: Id, FromRoomId: Id, ToRoomIdList: Strings, EventTime: EventTimeMs },
    optional: { Timeout: Int, Duration: Int, NeedResponse: Bool, ExtensionInfo: Str },
    sample: {
      Operator_Account: 'host-1',
      BattleId: 'xJ4F/2c+Qw==',
      FromRoomId: ROOM,
      ToRoomIdList: ['live-room-2'],
      Timeout: 10000,
      Duration: 60000,
      NeedResponse: true,
      ExtensionInfo: '',
      EventTime: TIME,
    },
  }),
  command('Live.CallbackAfterStartBattle', {
    product: LIVE,
    meaning: 'a PK battle started',
    page: `${TRTC_IO}/68260`,
    // The table types FromRoomInfo String; the sample (and the gateway) take an object.
    required: { BattleId: Id, FromRoomInfo: BattleRoom, ToRoomList: t.Array(BattleRoom), EventTime: EventTimeMs },
    optional: { Duration: Int, CreateTime: Int, StartTime: Int },
    sample: {
      BattleId: 'xJ4F/2c+Qw==',
      Duration: 60000,
      CreateTime: 1703589922,
      StartTime: 1703589925,
      FromRoomInfo: { RoomId: ROOM, Owner_Account: 'host-1' },
      ToRoomList: [{ RoomId: 'live-room-2', Owner_Account: 'host-2' }],
      EventTime: TIME,
    },
  }),
  command('Live.CallbackAfterEndBattle', {
    product: LIVE,
    meaning: 'a PK battle ended: time up, hosts left, or never started',
    page: `${TRTC_IO}/68261`,
    required: { BattleId: Id, OpType: Int, FromRoomInfo: BattleRoom, ToRoomList: t.Array(BattleRoom), EventTime: EventTimeMs },
    optional: { Duration: Int, CreateTime: Int, StartTime: Int, EndTime: Int },
    sample: {
      BattleId: 'xJ4F/2c+Qw==',
      Duration: 60000,
      CreateTime: 1703589922,
      StartTime: 1703589925,
      EndTime: 1703589985,
      OpType: 0,
      FromRoomInfo: { RoomId: ROOM, Score: 120, Owner_Account: 'host-1' },
      ToRoomList: [{ RoomId: 'live-room-2', Score: 80, Owner_Account: 'host-2' }],
      EventTime: TIME,
    },
  }),
  command('Live.CallbackBeforeSendGift', {
    product: LIVE,
    meaning: 'a viewer is about to send a gift: allow or refuse (no answer blocks it)',
    page: `${TRTC_IO}/72210`,
    // The sender is GiftWater.From_Account; the table's Operator_Account text is a copy-paste slip.
    required: { RoomId: Id, GiftWater: obj({ From_Account: AccountId, GiftId: Str }, { To_Account: Accounts, Time: Int, Count: Int, Coins: Int }) },
    optional: { Operator_Account: AccountId, EventTime: EventTimeMs },
    sample: {
      Operator_Account: 'viewer-1',
      RoomId: ROOM,
      GiftWater: { From_Account: 'viewer-1', To_Account: ['host-1'], Time: 1703589922, GiftId: 'rose', Count: 1, Coins: 10 },
    },
  }),
]

/**
 * Room (TUIRoomKit, "Conference") commands (docs/design.md §8.3). The seat callback,
 * Mic.CallbackAfterSeatInfoChanged, has the same name in Live and is listed there (live.ts).
 * Room's pages list the room fields flat, while their samples nest them in RoomInfo: the
 * schemas follow the samples and type the fields where they arrive.
 */
import { AccountId, Accounts, Bool, command, EventTimeMs, Id, Int, obj, Str, TRTC_IO, type CommandEntry } from './fields.ts'

const ROOM = 'Room' as const
const TIME = 1703589922780

const ROOM_INFO = {
  RoomName: Str,
  RoomType: Str,
  Owner_Account: AccountId,
  MaxMemberCount: Int,
  MaxSeatCount: Int,
  IsVideoDisabled: Bool,
  IsAudioDisabled: Bool,
  IsMessageDisabled: Bool,
  IsScreenSharingDisabled: Bool,
  IsCloudRecordingDisabled: Bool,
  CustomInfo: Str,
  ScheduleStartTime: Int,
  ScheduleEndTime: Int,
  RoomStatus: Str,
  IsSeatEnabled: Bool,
  TakeSeatMode: Str,
  CreateTime: Int,
}
const MEMBER = { Operator_Account: AccountId, RoomId: Id, MemberList_Account: Accounts, EventTime: EventTimeMs }

export const ROOM_COMMANDS: CommandEntry[] = [
  command('Room.CallbackAfterCreateRoom', {
    product: ROOM,
    meaning: 'a conference room was created (or scheduled)',
    page: `${TRTC_IO}/60733`,
    required: { Operator_Account: AccountId, RoomInfo: obj({ RoomId: Id }, ROOM_INFO), EventTime: EventTimeMs },
    optional: { ScheduleInviteeList_Account: Accounts },
    sample: {
      Operator_Account: 'admin',
      RoomInfo: {
        RoomId: 'tandy-test-rest',
        RoomName: 'tandy-test-rest',
        RoomType: 'Meeting',
        Owner_Account: 'user3',
        MaxMemberCount: 300,
        MaxSeatCount: 16,
        IsVideoDisabled: true,
        IsAudioDisabled: true,
        IsMessageDisabled: true,
        IsScreenSharingDisabled: true,
        IsCloudRecordingDisabled: true,
        CustomInfo: 'custom123',
        ScheduleStartTime: 1703589922,
        ScheduleEndTime: 1703593522,
        RoomStatus: 'Running',
        IsSeatEnabled: true,
        TakeSeatMode: 'ApplyToTake',
        CreateTime: 1703589922,
      },
      ScheduleInviteeList_Account: ['user2', 'user3', 'user3'],
      EventTime: TIME,
    },
  }),
  command('Room.CallbackAfterDestroyRoom', {
    product: ROOM,
    meaning: 'a conference room was destroyed',
    page: `${TRTC_IO}/60732`,
    required: { Operator_Account: AccountId, RoomId: Id, EventTime: EventTimeMs },
    sample: { Operator_Account: 'admin', RoomId: 'tandy-test-rest', EventTime: TIME },
  }),
  command('Room.CallbackAfterUpdateRoomInfo', {
    product: ROOM,
    meaning: "a conference room's settings changed",
    page: `${TRTC_IO}/60731`,
    // The sample quotes IsCloudRecordingDisabled ("false"); the table says Bool: Bool takes both.
    required: { Operator_Account: AccountId, RoomInfo: obj({ RoomId: Id }, ROOM_INFO), EventTime: EventTimeMs },
    sample: {
      Operator_Account: 'bob',
      RoomInfo: {
        RoomId: 'rid-123',
        RoomName: 'rname-123',
        Owner_Account: 'jack',
        TakeSeatMode: 'FreeToTake',
        MaxMemberCount: 300,
        IsVideoDisabled: false,
        IsAudioDisabled: false,
        IsMessageDisabled: false,
        IsScreenSharingDisabled: false,
        IsCloudRecordingDisabled: 'false',
        CustomInfo: '123',
      },
      EventTime: 1670574414123,
    },
  }),
  command('Room.CallbackAfterMemberEnter', {
    product: ROOM,
    meaning: 'members entered a conference room',
    page: `${TRTC_IO}/60735`,
    required: MEMBER,
    optional: { MemberCount: Int, Type: Str },
    sample: { Operator_Account: 'user1', RoomId: 'rid-123', MemberCount: 20, Type: 'Enter', MemberList_Account: ['user1'], EventTime: 1670574414123 },
  }),
  command('Room.CallbackAfterMemberLeave', {
    product: ROOM,
    meaning: 'members left a conference room, were kicked, or their heartbeat expired',
    page: `${TRTC_IO}/60734`,
    required: MEMBER,
    optional: { MemberCount: Int, Type: Str, Reason: Str },
    sample: {
      Operator_Account: 'user1',
      RoomId: 'rid-123',
      MemberCount: 20,
      Type: 'Leave',
      MemberList_Account: ['user1'],
      Reason: 'xxxx',
      EventTime: 1670574414123,
    },
  }),
]

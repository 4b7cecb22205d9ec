/**
 * Sample callback bodies per known command, written by hand from the docs' field tables
 * (the docs' own samples are not valid JSON: docs/design.md §8.6). Used by `send`.
 */

export function sampleBody(command: string, nowMs = Date.now()): Record<string, unknown> {
  const base = { CallbackCommand: command, EventTime: nowMs }
  switch (command) {
    case 'Live.CallbackAfterDestroyRoom':
      return { ...base, Operator_Account: 'admin', RoomId: 'tandy-test-rest', EventType: 'DestroyByUser' }
    case 'Live.CallbackAfterCreateRoom':
    case 'Live.CallbackAfterUpdateRoomInfo':
      return { ...base, Operator_Account: 'admin', RoomInfo: { RoomId: 'tandy-test-rest', RoomName: 'demo', RoomType: 'Live', Owner_Account: 'admin' } }
    case 'Live.CallbackAfterMemberStateChanged':
      return { ...base, RoomId: 'tandy-test-rest', EventType: 'Online', EventCause: 'Enter', MemberList: [{ Member_Account: 'viewer-1' }] }
    case 'Live.CallbackAfterSetMetadata':
      return { ...base, Operator_Account: 'admin', RoomId: 'tandy-test-rest', Metadata: [{ Key: 'topic', Value: 'hello' }] }
    case 'Live.CallbackAfterDelMetadata':
      return { ...base, Operator_Account: 'admin', RoomId: 'tandy-test-rest', Keys: ['topic'] }
    case 'Live.CallbackAfterChangeOwner':
      return { ...base, RoomId: 'tandy-test-rest', Operator_Account: 'admin', CurrentOwner_Account: 'user-2', OriginalOwner_Account: 'admin' }
    case 'Live.CallbackAfterModifyAdmin':
      return { ...base, RoomId: 'tandy-test-rest', Operator_Account: 'admin', Admin_Account: ['user-2'], opType: 'add' }
    case 'Mic.CallbackAfterSeatInfoChanged':
      return {
        ...base,
        RoomId: 'tandy-test-rest',
        SeatList: [{ Index: 0, Member_Account: 'admin', IsTakenDisabled: false, IsVideoDisabled: false, IsAudioDisabled: false }],
      }
    case 'Live.CallbackAfterCreateBattle':
      return {
        ...base,
        Operator_Account: 'admin',
        BattleId: 'battle-1',
        FromRoomId: 'room-a',
        ToRoomIdList: ['room-b'],
        Timeout: 10000,
        Duration: 60000,
        NeedResponse: true,
        ExtensionInfo: '',
      }
    case 'Live.CallbackAfterStartBattle':
    case 'Live.CallbackAfterEndBattle':
      return {
        ...base,
        BattleId: 'battle-1',
        Duration: 60000,
        FromRoomInfo: { RoomId: 'room-a', Owner_Account: 'admin' },
        ToRoomList: [{ RoomId: 'room-b', Owner_Account: 'user-2' }],
      }
    case 'Live.CallbackAfterCreateRoomReachingThreshold':
      return { ...base, Operator_Account: 'admin', CurRoomCount: 400, MaxRoomCount: 500 }
    case 'Live.CallbackBeforeSendGift':
      return {
        ...base,
        Operator_Account: 'viewer-1',
        RoomId: 'tandy-test-rest',
        GiftWater: { From_Account: 'viewer-1', To_Account: ['admin'], Time: Math.floor(nowMs / 1000), GiftId: 'rose', Count: 1, Coins: 10 },
      }
    case 'Group.CallbackBeforeSendMsg':
    case 'Group.CallbackAfterSendMsg':
      return {
        ...base,
        GroupId: 'tandy-test-rest',
        Type: 'Live',
        From_Account: 'viewer-1',
        Operator_Account: 'viewer-1',
        Random: 1,
        MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hi' } }],
      }
    case 'C2C.CallbackBeforeSendMsg':
      return {
        ...base,
        From_Account: 'viewer-1',
        To_Account: 'admin',
        MsgSeq: 1,
        MsgRandom: 1,
        MsgTime: Math.floor(nowMs / 1000),
        MsgKey: '1_1_1',
        OnlineOnlyFlag: 0,
        MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hi' } }],
        CloudCustomData: '',
      }
    case 'Group.CallbackBeforeInviteJoinGroup':
      return { ...base, GroupId: 'tandy-test-rest', Type: 'Public', Operator_Account: 'admin', DestinationMembers: [{ Member_Account: 'viewer-1' }] }
    case 'Group.CallbackBeforeApplyJoinGroup':
      return { ...base, GroupId: 'tandy-test-rest', Type: 'Public', Requestor_Account: 'viewer-1' }
    case 'Group.CallbackBeforeCreateGroup':
      return {
        ...base,
        Operator_Account: 'admin',
        Owner_Account: 'admin',
        Type: 'Public',
        Name: 'demo',
        CreateGroupNum: 1,
        MemberList: [{ Member_Account: 'viewer-1' }],
      }
    case 'Follow.CallbackAfterFollowAdd':
    case 'Follow.CallbackAfterFollowDelete':
      return { ...base, From_Account: 'viewer-1', FollowList: [{ To_Account: 'admin' }] }
    default:
      return base
  }
}

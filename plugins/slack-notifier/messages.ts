/**
 * Readable default Slack messages, one per known Live command, and a generic one for the rest.
 * Field names follow Tencent's Live callback pages (https://trtc.io/document/64413); every
 * field is treated as optional because the docs and real payloads disagree on several.
 */
import type { GatewayEvent } from '../../src/plugin.ts'
import { escapeSlack, eventTimeIso, field, valueText } from './text.ts'

type Payload = Record<string, unknown>

/** Escaped text of a payload value; '' when absent. */
function text(value: unknown): string {
  return escapeSlack(valueText(value))
}

/**
 * Room id: top-level `RoomId` on most commands, `RoomInfo.RoomId` on create (and some
 * destroys), `GroupId` on the room-chat `Group.*` commands (a Live room is a group).
 */
function roomId(payload: Payload): string {
  return text(payload.RoomId ?? field(payload.RoomInfo, 'RoomId') ?? payload.GroupId)
}

function accounts(list: unknown, key: string): string {
  if (!Array.isArray(list)) return ''
  return list.map((item) => text(typeof item === 'object' ? field(item, key) : item)).join(', ')
}

/** Title line plus `• Label: value` lines for the values that are present. */
function compose(title: string, details: Array<[string, string]>): string {
  const lines = details.filter(([, value]) => value !== '').map(([label, value]) => `• ${label}: ${value}`)
  return [title, ...lines].join('\n')
}

function timeOf(payload: Payload, event: GatewayEvent): string {
  return eventTimeIso(payload.EventTime) ?? `${event.receivedAt} (received)`
}

// https://trtc.io/document/64423: DestroyBySystem = the empty room was dissolved automatically.
const DISSOLVED_BY: Record<string, string> = {
  DestroyByUser: 'by user',
  DestroyBySystem: 'automatically by the system (room empty)',
}

function destroyedRoom(payload: Payload, event: GatewayEvent): string {
  const how = DISSOLVED_BY[valueText(payload.EventType)] ?? `(${text(payload.EventType) || 'unknown reason'})`
  return compose(`:no_entry: Room *${roomId(payload)}* was dissolved ${how}`, [
    ['Room name', text(field(payload.RoomInfo, 'RoomName'))],
    ['Operator', text(payload.Operator_Account)],
    ['Owner', text(field(payload.RoomInfo, 'Owner_Account'))],
    ['Viewers', text(field(payload.Statistic, 'TotalViewers'))],
    ['Time', timeOf(payload, event)],
  ])
}

function createdRoom(payload: Payload, event: GatewayEvent): string {
  return compose(`:tada: Room *${roomId(payload)}* was created`, [
    ['Room name', text(field(payload.RoomInfo, 'RoomName'))],
    ['Owner', text(field(payload.RoomInfo, 'Owner_Account'))],
    ['Operator', text(payload.Operator_Account)],
    ['Time', timeOf(payload, event)],
  ])
}

function updatedRoom(payload: Payload, event: GatewayEvent): string {
  return compose(`:pencil2: Room *${roomId(payload)}* info was updated`, [
    ['Room name', text(field(payload.RoomInfo, 'RoomName'))],
    ['Operator', text(payload.Operator_Account)],
    ['Time', timeOf(payload, event)],
  ])
}

// https://trtc.io/document/64424: one command for enter, leave, kick and heartbeat changes.
const MEMBER_CAUSE: Record<string, string> = {
  Enter: 'entered',
  Leave: 'left',
  Kicked: 'were kicked from',
  HeartbeatInterrupt: 'lost connection to',
  HeartbeatRecover: 'reconnected to',
}

function memberStateChanged(payload: Payload, event: GatewayEvent): string {
  const cause = valueText(payload.EventCause)
  const verb = MEMBER_CAUSE[cause] ?? `changed state (${text(cause) || text(payload.EventType)}) in`
  return compose(`:busts_in_silhouette: Members ${verb} room *${roomId(payload)}*`, [
    ['Members', accounts(payload.MemberList, 'Member_Account')],
    ['Time', timeOf(payload, event)],
  ])
}

function ownerChanged(payload: Payload, event: GatewayEvent): string {
  return compose(`:crown: Room *${roomId(payload)}* has a new owner`, [
    ['From', text(payload.OriginalOwner_Account)],
    ['To', text(payload.CurrentOwner_Account)],
    ['Operator', text(payload.Operator_Account)],
    ['Time', timeOf(payload, event)],
  ])
}

function adminsModified(payload: Payload, event: GatewayEvent): string {
  // `opType` really is lower-case `o` on this command (https://trtc.io/document/72554).
  const change = payload.opType === 'add' ? 'added to' : payload.opType === 'delete' ? 'removed from' : 'changed in'
  return compose(`:shield: Admins ${change} room *${roomId(payload)}*`, [
    ['Admins', accounts(payload.Admin_Account, 'Admin_Account')],
    ['Operator', text(payload.Operator_Account)],
    ['Time', timeOf(payload, event)],
  ])
}

function roomQuotaReached(payload: Payload, event: GatewayEvent): string {
  return compose(':warning: Live room quota is 70% used', [
    ['Rooms', `${text(payload.CurRoomCount)} of ${text(payload.MaxRoomCount)}`],
    ['Time', timeOf(payload, event)],
  ])
}

function genericMessage(payload: Payload, event: GatewayEvent): string {
  return compose(`:bell: *${escapeSlack(event.command)}*`, [
    ['Room', roomId(payload)],
    ['Operator', text(payload.Operator_Account)],
    ['Time', timeOf(payload, event)],
  ])
}

const MESSAGES: Record<string, (payload: Payload, event: GatewayEvent) => string> = {
  'Live.CallbackAfterDestroyRoom': destroyedRoom,
  'Live.CallbackAfterCreateRoom': createdRoom,
  'Live.CallbackAfterUpdateRoomInfo': updatedRoom,
  'Live.CallbackAfterMemberStateChanged': memberStateChanged,
  'Live.CallbackAfterChangeOwner': ownerChanged,
  'Live.CallbackAfterModifyAdmin': adminsModified,
  'Live.CallbackAfterCreateRoomReachingThreshold': roomQuotaReached,
}

export function defaultMessage(event: GatewayEvent): string {
  const describe = Object.hasOwn(MESSAGES, event.command) ? MESSAGES[event.command] : genericMessage
  return describe(event.payload, event)
}

/**
 * TRTC room, media, recording and relay callbacks (docs/design.md §1, "The TRTC path"): a
 * scheme of their own, unlike Chat/Live's query-string Sign.
 * - Headers: `SdkAppId` (the app) and `Sign = base64(HMAC-SHA256(key, raw body))`, the key
 *   being the "callback key" of the TRTC console (up to 32 letters and digits).
 * - Body: `{ EventGroupId, EventType, CallbackTs (ms), EventInfo }`.
 * - Tencent waits 5 s, then retries at once and every 10 s for one minute; it wants HTTP 200
 *   and recommends the body `{"code":0}`.
 * Pages: room and media https://trtc.io/document/39558 (ZH https://cloud.tencent.com/document/product/647/51586),
 * cloud recording https://trtc.io/document/54914 (ZH https://cloud.tencent.com/document/product/647/81113),
 * relay to CDN https://trtc.io/document/54913 (ZH https://cloud.tencent.com/document/product/647/88552),
 * console setup https://trtc.io/document/39559.
 */
import { createHmac } from 'node:crypto'
import { constantTimeEqual } from './signature.ts'

/** Header names (read case-insensitively, as all HTTP headers are). */
export const TRTC_SIGN_HEADER = 'Sign'
export const TRTC_APP_HEADER = 'SdkAppId'

/** The exact answer TRTC is recommended to get, pre-serialised. */
export const TRTC_OK_BODY = '{"code":0}'

export const PAGE_ROOM = 'https://trtc.io/document/39558'
export const PAGE_RECORDING = 'https://trtc.io/document/54914'
export const PAGE_RELAY = 'https://trtc.io/document/54913'

/** `base64(HMAC-SHA256(key, body))` over the exact bytes received. */
export function computeTrtcSign(key: string, body: Uint8Array | string): string {
  return createHmac('sha256', key).update(body).digest('base64')
}

/** Whether `sign` is the body's Sign under `key`, compared in constant time. */
export function verifyTrtcSign(key: string, body: Uint8Array, sign: string): boolean {
  return constantTimeEqual(computeTrtcSign(key, body), sign.trim())
}

export interface TrtcGroup {
  id: number
  /** The command's middle part: `TRTC.<name>.<type>`. */
  name: string
  page: string
}

/** Event groups (EventGroupId). 8 is web page recording (81113): no event types listed here yet. */
export const TRTC_GROUPS: readonly TrtcGroup[] = [
  { id: 1, name: 'Room', page: PAGE_ROOM },
  { id: 2, name: 'Media', page: PAGE_ROOM },
  { id: 3, name: 'Recording', page: PAGE_RECORDING },
  { id: 4, name: 'Relay', page: PAGE_RELAY },
  { id: 8, name: 'WebRecording', page: PAGE_RECORDING },
]

export interface TrtcEvent {
  group: number
  type: number
  /** The command's last part. */
  name: string
  /** Tencent's constant, e.g. EVENT_TYPE_ENTER_ROOM. */
  constant: string
  meaning: string
}

const ROOM: Array<[number, string, string, string]> = [
  [101, 'CreateRoom', 'EVENT_TYPE_CREATE_ROOM', 'a room was created (its first user entered)'],
  [102, 'DismissRoom', 'EVENT_TYPE_DISMISS_ROOM', 'a room was dismissed (its last user left)'],
  [103, 'EnterRoom', 'EVENT_TYPE_ENTER_ROOM', 'a user entered a room'],
  [104, 'ExitRoom', 'EVENT_TYPE_EXIT_ROOM', 'a user left a room (also ends their audio and video: no 202/204 follows)'],
  [105, 'ChangeRole', 'EVENT_TYPE_CHANGE_ROLE', 'a user switched role (anchor / audience)'],
]
// The docs spell the substream constants ASSIT; the command names say Assist.
const MEDIA: Array<[number, string, string, string]> = [
  [201, 'StartVideo', 'EVENT_TYPE_START_VIDEO', 'a user started pushing video'],
  [202, 'StopVideo', 'EVENT_TYPE_STOP_VIDEO', 'a user stopped pushing video (turned it off)'],
  [203, 'StartAudio', 'EVENT_TYPE_START_AUDIO', 'a user started pushing audio'],
  [204, 'StopAudio', 'EVENT_TYPE_STOP_AUDIO', 'a user stopped pushing audio (turned it off)'],
  [205, 'StartAssist', 'EVENT_TYPE_START_ASSIT', 'a user started pushing the substream (screen sharing)'],
  [206, 'StopAssist', 'EVENT_TYPE_STOP_ASSIT', 'a user stopped pushing the substream'],
]
const RECORDING: Array<[number, string, string, string]> = [
  [301, 'RecorderStart', 'EVENT_TYPE_CLOUD_RECORDING_RECORDER_START', 'the cloud recording module started'],
  [302, 'RecorderStop', 'EVENT_TYPE_CLOUD_RECORDING_RECORDER_STOP', 'the cloud recording module exited'],
  [303, 'UploadStart', 'EVENT_TYPE_CLOUD_RECORDING_UPLOAD_START', 'the recording upload task started (object storage only)'],
  [304, 'FileInfo', 'EVENT_TYPE_CLOUD_RECORDING_FILE_INFO', 'the first m3u8 index file was generated and uploaded (API recording to object storage)'],
  [305, 'UploadStop', 'EVENT_TYPE_CLOUD_RECORDING_UPLOAD_STOP', 'the recording upload finished (object storage only)'],
  [306, 'Failover', 'EVENT_TYPE_CLOUD_RECORDING_FAILOVER', 'a recording task migrated to a new machine'],
  [307, 'FileSlice', 'EVENT_TYPE_CLOUD_RECORDING_FILE_SLICE', 'the first ts slice of the m3u8 was cut (API recording to object storage)'],
  // 309-312 follow the pages' order with VOD_COMMIT = 311 (the MP4 entry refers to "event 311");
  // the excerpts read did not show 308, which arrives as TRTC.Recording.Event308 if sent.
  [309, 'DownloadImageError', 'EVENT_TYPE_CLOUD_RECORDING_DOWNLOAD_IMAGE_ERROR', 'an image file could not be downloaded or decoded'],
  [310, 'Mp4Stop', 'EVENT_TYPE_CLOUD_RECORDING_MP4_STOP', 'an MP4 recording task stopped (API recording to object storage)'],
  [311, 'VodCommit', 'EVENT_TYPE_CLOUD_RECORDING_VOD_COMMIT', 'a recording file was committed to VOD'],
  [312, 'VodStop', 'EVENT_TYPE_CLOUD_RECORDING_VOD_STOP', 'the VOD recording task stopped'],
]
const RELAY: Array<[number, string, string, string]> = [[401, 'CdnStatus', 'EVENT_TYPE_CLOUD_PUBLISH_CDN_STATUS', 'the state of a relay-to-CDN task changed']]

const rows = (group: number, list: Array<[number, string, string, string]>): TrtcEvent[] =>
  list.map(([type, name, constant, meaning]) => ({ group, type, name, constant, meaning }))

/** Every documented event type. */
export const TRTC_EVENTS: readonly TrtcEvent[] = [...rows(1, ROOM), ...rows(2, MEDIA), ...rows(3, RECORDING), ...rows(4, RELAY)]

const groupById = new Map(TRTC_GROUPS.map((g) => [g.id, g]))
const eventByKey = new Map(TRTC_EVENTS.map((e) => [`${e.group}/${e.type}`, e]))

/**
 * The routable command of an event: `TRTC.Room.EnterRoom`; a type not in the table keeps its
 * number (`TRTC.Room.Event999`), and so does a group (`TRTC.Group9.Event901`), so a new event
 * is stored and delivered, and `match: TRTC.*` still takes it.
 */
export function trtcCommand(groupId: number, type: number): string {
  const group = groupById.get(groupId)?.name ?? `Group${groupId}`
  const event = eventByKey.get(`${groupId}/${type}`)
  return `TRTC.${group}.${event?.name ?? `Event${type}`}`
}

/** The table row for a known command, if any. */
export function trtcEvent(command: string): TrtcEvent | undefined {
  return TRTC_EVENTS.find((e) => trtcCommand(e.group, e.type) === command)
}

export interface TrtcCommandInfo {
  command: string
  product: 'TRTC'
  kind: 'after'
  group: number
  type: number
  meaning: string
  page: string
}

/** For the `commands` listing: every known TRTC command, with its page. */
export const TRTC_COMMANDS: TrtcCommandInfo[] = TRTC_EVENTS.map((e) => ({
  command: trtcCommand(e.group, e.type),
  product: 'TRTC',
  kind: 'after',
  group: e.group,
  type: e.type,
  meaning: e.meaning,
  page: groupById.get(e.group)!.page,
}))

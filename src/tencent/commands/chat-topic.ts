/**
 * Chat community topic commands (docs/design.md §8.3), from Tencent's Chat webhook list
 * (https://www.tencentcloud.com/document/product/1047/34355); each entry names its page.
 */
import { GROUP, PROFILE, UserDefinedDataList } from './chat-group.ts'
import { AccountId, CHAT, command, EventTimeMs, Id, Str, Strings, type CommandEntry } from './fields.ts'

const CHAT_P = 'Chat' as const
const TIME = 1670574414123

export const CHAT_TOPIC_COMMANDS: CommandEntry[] = [
  command('Group.CallbackBeforeCreateTopic', {
    product: CHAT_P,
    meaning: 'a community topic is about to be created: allow or refuse',
    page: `${CHAT}/49463`,
    // The page has no GroupId, TopicId or EventTime; doocs agrees.
    required: { Operator_Account: AccountId, Type: Str, Name: Str },
    optional: { GroupId: Str, EventTime: EventTimeMs },
    sample: { Operator_Account: 'leckie', Type: 'Community', Name: 'MyFirstTopic' },
  }),
  command('Group.CallbackAfterCreateTopic', {
    product: CHAT_P,
    meaning: 'a community topic was created',
    page: `${CHAT}/49464`,
    required: { ...GROUP, TopicId: Id, Operator_Account: AccountId },
    optional: { Owner_Account: AccountId, Name: Str, UserDefinedDataList, EventTime: EventTimeMs },
    sample: {
      GroupId: '@TGS#_@TGS#cQVLVHIM62CJ',
      TopicId: '@TGS#_@TGS#cQVLVHIM62CJ@TOPIC#_TestTopic',
      Operator_Account: 'leckie',
      Type: 'Community',
      Name: 'MyFirstTopic',
      EventTime: TIME,
    },
  }),
  command('Group.CallbackAfterTopicDestroyed', {
    product: CHAT_P,
    meaning: 'community topics were deleted',
    page: `${CHAT}/49465`,
    required: { ...GROUP, TopicIdList: Strings },
    optional: { EventTime: EventTimeMs },
    sample: { GroupId: '@TGS#_@TGS#cQVLVHIM62CJ', Type: 'Community', TopicIdList: ['@TGS#_@TGS#cQVLVHIM62CJ@TOPIC#_TestTopic'], EventTime: TIME },
  }),
  command('Group.CallbackAfterTopicInfoChanged', {
    product: CHAT_P,
    meaning: "a community topic's profile changed",
    page: `${CHAT}/49466`,
    required: { ...GROUP, Operator_Account: AccountId },
    optional: { TopicId: Str, ...PROFILE },
    sample: {
      GroupId: '@TGS#_@TGS#cQVLVHIM62CJ',
      TopicId: '@TGS#_@TGS#cQVLVHIM62CJ@TOPIC#_TestTopic',
      Type: 'Community',
      Operator_Account: 'admin',
      Notification: 'New Notification',
      EventTime: TIME,
    },
  }),
]

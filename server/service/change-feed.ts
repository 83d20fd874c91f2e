/** The change feed the services publish to and wait on; defined in model/ so stores can provide one. */
export {
  type ChangeFeed,
  type ChangeListener,
  createLocalChangeFeed,
  type JobChange,
} from "../model/change-feed.ts";

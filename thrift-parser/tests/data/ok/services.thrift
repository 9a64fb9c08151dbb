exception NotFound { 1: string key }
exception Denied { 1: string why }

struct Item { 1: string name }

/** A service with every kind of function. */
service Store {
  /** Fetches one item. */
  Item get(1: string key) throws (1: NotFound not_found, 2: Denied denied),
  void put(1: string key, 2: Item item);
  oneway void touch(1: string key)
  list<Item> scan(1: i32 limit = 10, 2: optional string prefix) (deprecated = "use list")
  i32 count()
}

/** Our extension: a service on channel 3, extending another. */
service Echo channel 3 extends Store {
  string echo(1: string text)
}

service Random channel 55 {
  i64 random()
}

/** `channel` stays an ordinary identifier everywhere else. */
struct channel { 1: i32 channel }
service UsesChannel { channel get_channel(1: channel channel) }

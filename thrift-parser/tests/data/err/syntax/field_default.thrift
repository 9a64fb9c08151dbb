struct Item {
  1: string name
  3: i32 count = ,
  4: i32 after
}

struct Uses {
  1: Item item
}

const Item SAMPLE = {"name": "a", "count": 1, "after": 2}

include "shared.thrift"

namespace rs app

/** Uses names from shared.thrift: types, typedef chains, enum values, services. */
struct Shape {
  1: required shared.UserId owner
  2: shared.Color color = shared.Color.GREEN
  3: list<shared.Point> points
  4: map<shared.Color, set<shared.Id>> by_color
}

const shared.Color FAVOURITE = shared.Color.BLUE
const i32 BLUE_NUMBER = shared.Color.BLUE

service Shapes extends shared.Base {
  Shape get(1: shared.Id id)
}

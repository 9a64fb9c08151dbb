include "does_not_exist.thrift"
struct A {
  1: does_not_exist.Thing thing
  2: map<string, does_not_exist.Thing> things
}
typedef does_not_exist.Thing Alias
const i32 LIMIT = does_not_exist.LIMIT
service S extends does_not_exist.Base {}

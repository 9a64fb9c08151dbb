service S {}
const i32 C = 1
struct A {
  1: S service_as_type
  2: C const_as_type
}

typedef fd Handle

struct Holder {
  1: optional Holder next
  2: list<Handle> handles
}

struct Outer {
  1: Holder holder
}

struct S {
  1: map<fd, i32> by_fd
  2: map<Handle, i32> by_handle
  3: map<Outer, i32> by_outer
  4: map<string, map<list<fd>, i32>> nested
}

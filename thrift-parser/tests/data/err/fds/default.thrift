typedef fd Handle

struct Holder {
  1: optional fd file
}

struct S {
  1: fd file = 0
  2: Handle handle = 1
  3: list<fd> files = []
  4: optional Holder holder = {}
}

service Svc {
  void call(1: fd file = 2)
}

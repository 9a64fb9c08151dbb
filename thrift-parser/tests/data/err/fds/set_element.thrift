typedef fd Handle

struct Holder {
  1: optional fd file
}

struct S {
  1: set<fd> fine
  2: set<Handle> also_fine
  3: set<list<fd>> lists
  4: set<Holder> holders
}

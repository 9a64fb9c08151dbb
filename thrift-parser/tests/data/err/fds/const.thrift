typedef fd Handle

struct Holder {
  1: i32 n
  2: optional fd file
}

const fd F = 3
const Handle H = 4
const list<fd> EMPTY = []
const Holder HOLDER = {"n": 1}
const map<string, Handle> BY_NAME = {"a": "b"}

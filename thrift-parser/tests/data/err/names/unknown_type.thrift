struct A {
  1: Missing m
  2: list<other.Thing> t
  3: slist old
}

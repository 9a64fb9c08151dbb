struct A {}
/** a doc comment that never ends

include "cycle_b.thrift"
struct A {}

include "cycle_a.thrift"
struct B {}

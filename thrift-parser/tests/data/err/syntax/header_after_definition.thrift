struct A {}
include "other.thrift"

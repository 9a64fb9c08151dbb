service TooBig channel 256 {}
service Late extends TooBig channel 3 {}

enum Big { HUGE = 2147483648 }
enum Overflow { LAST = 2147483647, NEXT }
enum Twice { A, A }

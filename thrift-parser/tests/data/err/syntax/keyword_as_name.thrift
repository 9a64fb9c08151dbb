struct service { 1: i32 a }

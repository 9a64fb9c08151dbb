struct a.b { 1: i32 c.d }

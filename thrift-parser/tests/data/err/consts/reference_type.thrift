const string TEXT = "a"
const list<i32> NUMBERS = TEXT
const double D = TEXT

service Twice channel 2 {
} (rs.channel = "3")

service TooBig {
} (rs.channel = "256")

service NotANumber {
} (rs.channel = "three")

module gochan

go 1.19

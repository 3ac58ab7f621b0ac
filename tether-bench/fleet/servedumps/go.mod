module example.com/servedumps

go 1.19

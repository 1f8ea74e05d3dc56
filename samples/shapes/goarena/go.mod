module goarena

go 1.19

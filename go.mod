module github.com/sgm-dev/sgm

go 1.26.8

# src/remote - remote delivery: qmail-rspawn runs qmail-remote per delivery.
dns_test_LIBS := -lresolv -lssl -lcrypto -lcrypt

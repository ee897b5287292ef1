# src/vpop: the vpopmail-compatible store tools, delivery and login.
VCMDS := vadddomain vdeldomain vaddaliasdomain vdominfo vadduser vdeluser \
	 vpasswd vmoduser vsetuserquota vuserinfo valias
PROGS += $(VCMDS)
$(foreach c,$(VCMDS),$(eval $(c)_SRCS := src/vpop/vcmd.c \
    src/vpop/vcmd_domain.c src/vpop/vcmd_user.c src/vpop/vadmin.c))
$(foreach c,$(VCMDS),$(eval $(c)_LIBS := -lcrypt -lcrypto))
PROGS += clearopensmtp vchkpw vchkpwsmtp
clearopensmtp_SRCS := src/vpop/clearopensmtp.c src/vpop/relay.c
vchkpw_SRCS := src/vpop/vchkpw.c src/vpop/relay.c src/vpop/chkcram.c
vchkpw_LIBS := -lcrypt -lmd
vchkpwsmtp_SRCS := src/vpop/vchkpw.c src/vpop/relay.c src/vpop/chkcram.c
vchkpwsmtp_LIBS := -lcrypt -lmd
# vchkuser: qmail-smtpd's chkuser lookups for a qmail-smtpd that cannot
# read the store (installed set-uid vpopmail).
PROGS += vchkuser
vchkuser_SRCS := src/vpop/vchkuser.c

# md5x_test checks libmd-based MD5 and HMAC against OpenSSL.
md5x_test_LIBS := -lmd -lssl -lcrypto -lcrypt

TESTS += chkcram_test
chkcram_test_SRCS := src/vpop/chkcram_test.c src/vpop/chkcram.c
chkcram_test_LIBS := -lmd

/*
 * qmail-smtpd-tls - qmail-smtpd with TLS: exec'd by qmail-smtpd for
 * STARTTLS (SMTPD_STARTTLS=1: handshake first, no greeting) and for
 * SMTPS (implicit TLS, port 465).  Same process, privileges and trust as
 * qmail-smtpd; see qmail-smtpd.c.
 */
#define SMTPD_TLS 1
#include "qmail-smtpd.c"

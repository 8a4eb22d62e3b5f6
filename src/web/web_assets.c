// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * web_assets.c - the dashboard's files (web/), embedded in nfqlb-web at
 * build time so that it needs nothing installed beside it and nothing
 * from the network.  WEB_DIR is the absolute path of web/ (Makefile).
 */
#define ASSET(sym, file)						\
	__asm__(".section .rodata\n"					\
		".global " #sym "\n"					\
		".type " #sym ", @object\n"				\
		".balign 16\n"						\
		#sym ":\n"						\
		".incbin \"" WEB_DIR "/" file "\"\n"			\
		#sym "_end:\n"						\
		".byte 0\n"						\
		".global " #sym "_len\n"				\
		".type " #sym "_len, @object\n"				\
		".balign 4\n"						\
		#sym "_len:\n"						\
		".int " #sym "_end - " #sym "\n"			\
		".previous\n")

ASSET(web_index_html, "index.html");
ASSET(web_app_js, "app.js");
ASSET(web_style_css, "style.css");

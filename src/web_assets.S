/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The files of the page that serve answers on / (web/), embedded in the
 * binary: an installed rxray needs no file beside it. Each file is a pair
 * of symbols, NAME and NAME_end (its bytes, then a NUL not counted), that
 * src/web.c serves. Paths are from the top of the tree, where make runs;
 * the Makefile makes this object depend on every file named here.
 */
	.macro rx_web_file name, path
	.section .rodata.rx_web, "a"
	.balign 16
	.global \name
	.global \name\()_end
\name:
	.incbin "\path"
\name\()_end:
	.byte 0
	.endm

	rx_web_file rx_web_index_html, "web/index.html"
	rx_web_file rx_web_app_js, "web/app.js"
	rx_web_file rx_web_style_css, "web/style.css"
	rx_web_file rx_web_icon_svg, "web/icon.svg"
	rx_web_file rx_web_uplot_js, "web/vendor/uplot/uPlot.iife.min.js"
	rx_web_file rx_web_uplot_css, "web/vendor/uplot/uPlot.min.css"

	/* no executable stack for the program that links this */
	.section .note.GNU-stack, "", %progbits

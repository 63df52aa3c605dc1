/*
 * html.c — writing HTML safely, and the frame every page shares.
 *
 * lantern writes HTML by appending to a capped lt_buf. Anything that did not
 * come from a string literal in this module — a value a person typed, a
 * message that quotes it, a taxonomy label — goes through web_html_escape,
 * which replaces the five characters that can change the meaning of HTML
 * text or of a quoted attribute value (& < > " '). Attribute values are
 * always written double-quoted, so escaped text is safe in both places.
 *
 * The frame (web_html_open / web_html_close) is plain semantic HTML5 that
 * needs no JavaScript and no inline style, as the Content-Security-Policy
 * forbids both: a "Leave this site quickly" link first in the document (for
 * a person who may be watched, it goes to the BBC's weather page and sends
 * no Referer), then on the page with the form a "Report a concern" link that
 * skips to it (#report: on a phone the form is several screens down), a
 * header, <main> for the content and a footer with the numbers to call. All
 * styling comes from /static/lantern.css.
 */
#include "web/web_int.h"

#include <string.h>

#include "core/banned.h"

lt_status web_html_escape(struct lt_buf *b, const char *s, size_t len)
{
	size_t run = 0; /* start of the current run of bytes that need no escape */
	for (size_t i = 0; i < len; i++) {
		const char *rep;
		switch (s[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			continue;
		}
		lt_status st = lt_buf_append(b, s + run, i - run);
		if (st == LT_OK)
			st = lt_buf_puts(b, rep);
		if (st != LT_OK)
			return st;
		run = i + 1;
	}
	return lt_buf_append(b, s + run, len - run);
}

lt_status web_html_puts(struct lt_buf *b, const char *s)
{
	return web_html_escape(b, s, strlen(s));
}

lt_status web_html_open(struct lt_buf *b, const char *title, bool report_link)
{
	lt_status st = lt_buf_puts(b, "<!DOCTYPE html>\n"
	                              "<html lang=\"en-GB\">\n"
	                              "<head>\n"
	                              "<meta charset=\"utf-8\">\n"
	                              "<meta name=\"viewport\" content=\"width=device-width, "
	                              "initial-scale=1\">\n"
	                              "<meta name=\"referrer\" content=\"no-referrer\">\n"
	                              "<title>");
	if (st == LT_OK)
		st = web_html_puts(b, title);
	if (st == LT_OK)
		st = lt_buf_puts(
		    b, " — lantern</title>\n"
		       "<link rel=\"stylesheet\" href=\"/static/lantern.css\">\n"
		       "</head>\n"
		       "<body>\n"
		       "<header class=\"site\">\n"
		       "<nav class=\"leave\" aria-label=\"Leave this site\">\n"
		       "<a id=\"leave\" href=\"https://www.bbc.co.uk/weather\" rel=\"noreferrer\">"
		       "Leave this site quickly</a>\n"
		       "</nav>\n");
	if (st == LT_OK && report_link)
		st = lt_buf_puts(
		    b, "<p class=\"skip\"><a href=\"#report\">Report a concern</a></p>\n");
	if (st == LT_OK)
		st = lt_buf_puts(b, "<p class=\"brand\"><a href=\"/\">lantern</a> — "
		                    "Hertfordshire partnership against modern slavery</p>\n"
		                    "</header>\n"
		                    "<main id=\"main\">\n");
	return st;
}

lt_status web_html_close(struct lt_buf *b)
{
	return lt_buf_puts(
	    b,
	    "</main>\n"
	    "<footer class=\"site\">\n"
	    "<p>In an emergency call <strong>999</strong>. To report to the police when it is "
	    "not an emergency call <strong>101</strong>. The Modern Slavery &amp; Exploitation "
	    "Helpline is open 24 hours a day, 7 days a week: <strong>08000 121 700</strong>.</p>\n"
	    "</footer>\n"
	    "</body>\n"
	    "</html>\n");
}

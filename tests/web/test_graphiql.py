"""GraphiQL at /graphql comes from our own assets: it works with no other host and under the CSP;
the public pages run under the same CSP without a violation."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.async_api import Browser, Route, expect

SEE_VIOLATIONS = """window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));"""


async def test_graphiql_loads_offline_and_runs_a_query_under_the_csp(browser: Browser, live_server):
    context = await browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    own_host = urlsplit(live_server).netloc
    elsewhere: list[str] = []

    async def only_our_server(route: Route) -> None:
        if urlsplit(route.request.url).netloc == own_host:
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_our_server)
    await context.add_init_script(SEE_VIOLATIONS)
    page = await context.new_page()
    console = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))

    response = await page.goto("/graphql")
    assert response.status == 200
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    editor = page.locator(".graphiql-query-editor .CodeMirror")
    await expect(editor).to_be_visible()
    await editor.evaluate("element => element.CodeMirror.setValue('{ __typename }')")
    await page.locator("button.graphiql-execute-button").click()
    await expect(page.locator(".graphiql-response")).to_contain_text('"__typename": "Query"')

    violations = await page.evaluate("window.__violations")
    await context.close()
    assert elsewhere == []
    assert violations == []
    assert not [line for line in console if "Content Security Policy" in line or line.startswith("pageerror")], console


async def test_the_public_pages_run_under_the_csp_without_a_violation(browser: Browser, live_server):
    context = await browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740})
    await context.add_init_script(SEE_VIOLATIONS)
    page = await context.new_page()
    seen = {}
    for path in ["/", "/#/lapor", "/#/layanan", "/#/dialog", "/#/transparansi", "/#/lacak/ABC-DEF-GHJ"]:
        response = await page.goto(path, wait_until="networkidle")
        if response is not None:  # None: only the hash changed, the same document stays
            assert "script-src 'self'" in response.headers["content-security-policy"]
        await expect(page.locator("main")).to_be_visible()
        seen[path] = await page.evaluate("window.__violations")
    await context.close()
    assert all(violations == [] for violations in seen.values()), seen

"""Wall views in a real browser: the console switches the wall; the compass shows the right numbers."""

from tests.e2e.conftest import LAPTOP, PHONE, WALL, online, screenshot
from tests.seed_views import expected_perspectives, seed


def test_console_switches_the_wall_and_the_compass_counts(api, page_for):
    created = api.create_session()
    data = seed(api, created)
    wall = online(page_for(created["wall_url"], WALL))
    console = online(page_for(created["facilitator_url"], LAPTOP))

    console.select_option("#wall-view", "compass")
    wall.wait_for_selector('.wall[data-view="compass"][data-rendered="compass"]')
    assert console.input_value("#wall-view") == "compass"
    assert wall.locator(".view-compass").is_visible()
    assert not wall.locator("#columns").is_visible()
    for index, table in enumerate(created["tables"]):
        chart = wall.locator(f'svg.compass[data-table-id="{table["id"]}"]')
        for key, n in expected_perspectives(index).items():
            label = chart.locator(f'.compass-label[data-perspective="{key}"]')
            assert label.locator(".compass-value").text_content() == str(n), (index, key)
            assert ("is-blind" in label.get_attribute("class")) == (n == 0)
    screenshot(wall, "views-compass")

    # Live: a new insight about residents at the second table fills its blind spot.
    second = created["tables"][1]
    me = api.join(created["code"], second["id"])
    api.post(
        created["code"], me["token"], second["id"], "Bewoners eerst!", perspectives=["residents"]
    )
    chart = wall.locator(f'svg.compass[data-table-id="{second["id"]}"]')
    chart.locator(
        '.compass-label[data-perspective="residents"]:not(.is-blind) .compass-value'
    ).wait_for()
    assert (
        chart.locator('.compass-label[data-perspective="residents"] .compass-value').text_content()
        == "1"
    )

    console.select_option("#wall-view", "perspectives")
    wall.wait_for_selector('.wall[data-rendered="perspectives"]')
    column = wall.locator('.perspective-column[data-perspective="affordability"]')
    affordability = sum(expected_perspectives(i)["affordability"] for i in range(3))
    assert column.locator("[data-perspective-count]").text_content() == str(affordability)
    assert wall.locator('.perspective-column[data-perspective="residents"] .insight').count() == 14
    screenshot(wall, "views-perspectives")

    console.select_option("#wall-view", "stats")
    wall.wait_for_selector('.wall[data-rendered="stats"][data-stats-ready="true"]')
    wall.wait_for_selector(".view-stats .top-item")
    assert wall.locator(".top-item").first.get_attribute("data-id") == str(data["ids"][1])
    assert wall.locator(".top-item .top-votes").first.text_content().endswith("5")
    first_table = wall.locator(f'.stats-table[data-table-id="{created["tables"][0]["id"]}"]')
    assert first_table.locator(".stats-numbers strong").first.text_content() == "15"
    cloud = [w.lower() for w in wall.locator("[data-words] .word").all_text_contents()]
    assert "wijk" in cloud and "de" not in cloud and "het" not in cloud
    screenshot(wall, "views-stats")

    console.select_option("#wall-view", "mix")
    wall.wait_for_selector('.wall[data-rendered="mix"]')
    mix = wall.locator(f'.mix-table[data-table-id="{created["tables"][1]["id"]}"]')
    mix.wait_for()
    owners = mix.locator('[data-organisation-type="owners_association"] .mix-count')
    assert owners.text_content() == "3"
    assert "is-zero" in mix.locator(
        '[data-organisation-type="residents_initiative"]'
    ).get_attribute("class")
    screenshot(wall, "views-mix")

    console.click('[data-wall-sort="votes"]')
    console.select_option("#wall-view", "tables")
    wall.wait_for_selector('.wall[data-rendered="tables"]')
    first_column = wall.locator(f'.wall-column[data-table-id="{created["tables"][0]["id"]}"]')
    # Most recognised first (polled by selector: the page's CSP forbids eval'd wait functions).
    first_column.locator(
        f'[data-feed] > .insight:first-child[data-id="{data["ids"][1]}"]'
    ).wait_for()
    assert first_column.locator(".insight").first.get_attribute("data-id") == str(data["ids"][1])
    screenshot(wall, "views-tables-by-votes")
    screenshot(console, "views-console")


def test_console_filters_the_list(api, page_for):
    created = api.create_session()
    seed(api, created)
    console = page_for(created["facilitator_url"], LAPTOP)
    console.wait_for_selector("#console-filters")
    assert console.locator("[data-filter-total]").text_content() == "40"
    console.select_option('#console-filters select[name="kind"]', "question")
    console.select_option('#console-filters select[name="perspective"]', "affordability")
    assert console.locator("#feed .insight:visible").count() == 2
    assert console.locator("[data-filter-shown]").text_content() == "2"
    href = console.get_attribute('[data-filter-export="csv"]', "href")
    assert "kind=question" in href and "perspective=affordability" in href
    console.click('#console-filters button[type="reset"]')
    console.locator('[data-filter-shown]:text-is("40")').wait_for()


def test_phone_tags_and_votes_live(api, page_for):
    created = api.create_session()
    table = created["tables"][0]
    author = api.join(created["code"], table["id"], name="Ahmed")
    posted = api.post(
        created["code"], author["token"], table["id"], "Wie betaalt de isolatie?"
    ).json()

    phone = page_for(table["join_url"], PHONE)
    phone.click("#join-form button")
    online(phone)
    # A quick post: the kind chosen last stays chosen; a second tap on a kind clears it.
    phone.click('#kind-chips label:has(input[value="question"])')
    phone.click('#perspective-chips label:has(input[value="affordability"])')
    phone.click('#perspective-chips label:has(input[value="residents"])')
    phone.select_option("#phase", "phase_1")
    screenshot(phone, "views-phone-compose")
    phone.fill("#text", "Wat kost het per maand?")
    phone.click("#send")
    phone.wait_for_selector('.insight .delivery[data-state="delivered"]')
    assert phone.locator('#kind-chips input[value="question"]').is_checked()
    assert phone.locator("#phase").input_value() == ""  # per post: never sticks silently
    assert not phone.locator('#perspective-chips input[value="affordability"]').is_checked()
    phone.click('#kind-chips label:has(input[value="question"])')
    assert not phone.locator('#kind-chips input[value="question"]').is_checked()
    mine = api.call("GET", f"/sessions/{created['code']}/insights", expect=200).json()["insights"][
        -1
    ]
    assert (mine["kind"], mine["perspectives"], mine["phase"]) == (
        "question",
        ["residents", "affordability"],
        "phase_1",
    )

    card = phone.locator(f'.insight[data-id="{posted["id"]}"]')
    button = card.locator("[data-vote]")
    button.click()
    card.locator('[data-field="votes-count"]:text("1")').wait_for()
    assert button.get_attribute("aria-pressed") == "true"
    # Someone else recognises it too: the count rises live on this phone.
    other = api.join(created["code"], table["id"])
    api.call(
        "POST", f"/sessions/{created['code']}/insights/{posted['id']}/vote", other["token"], 200
    )
    card.locator('[data-field="votes-count"]:text("2")').wait_for()
    button.click()
    card.locator('[data-field="votes-count"]:text("1")').wait_for()
    assert button.get_attribute("aria-pressed") == "false"
    screenshot(phone, "views-phone-voted")

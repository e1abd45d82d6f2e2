"""The catalogue of user-facing texts, in French (the default) and English."""

from __future__ import annotations

from datetime import datetime

LANGUAGES = ("fr", "en")

_MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "en": "January February March April May June July August September October November December",
}

# Texts are Telegram HTML: placeholders receive values already escaped by the caller.
TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "welcome": (
            "Bonjour ! Je suis <b>Relais</b> : {relayed}\n\n"
            "Essayez : /search travail du clic\nOu une citation : /quote je coche des cases\n\n"
            "/help donne toutes les commandes."
        ),
        "help": (
            "<b>Commandes</b>\n"
            "/search <i>mots</i> : chercher des articles (fautes, accents et pluriels "
            "pardonnés) ; ici, en privé, vos mots seuls suffisent\n"
            "/quote [<i>mots</i>] : une citation ; sans mots, une citation au hasard\n"
            "/sources : les sources, leur nombre d’articles et leur dernier article\n"
            "/start : l’accueil\n/help : cette aide\n\n"
            "<b>Abonnements</b>\n"
            "/subscribe <i>source</i>|all [<i>filtres</i>] : recevoir les nouveaux articles "
            '(<code>+mot</code>, <code>-mot</code>, <code>"expression"</code>)\n'
            "/unsubscribe <i>source</i>|all : se désabonner\n"
            "/subscriptions : vos abonnements, avec un bouton pour retirer chacun\n"
            "/filter test <i>source</i> <i>filtres</i> : ce que des filtres laisseraient passer\n"
            "/quiet 22:00-07:00 | off : heures calmes\n"
            "/digest daily 08:00 | weekly mon 08:00 | off | now : résumés au lieu d’envois\n"
            "/timezone <i>Zone/Ville</i> : votre fuseau horaire\n"
            "/previews on|off : aperçu des liens sous les articles envoyés\n"
            "/status : l’état des sources et de vos envois\n"
            "/channel : configurer un canal depuis cette conversation\n\n"
            "<b>Administration</b> (ADMIN_IDS)\n"
            "/addsource <i>nom</i> <i>url</i>, /removesource <i>nom</i>, /export (OPML) ; "
            "envoyez un fichier .opml pour importer des sources.\n\n"
            "<b>Syntaxe de recherche</b>\n"
            '<code>"expression exacte"</code>, <code>-mot</code> pour exclure, '
            "<code>source:Numerama</code>, <code>since:2023-05-01</code>, "
            "<code>until:2023-12-31</code>\n\n"
            "Dans n’importe quelle conversation, tapez <code>@{bot} mots</code> pour partager "
            "un article."
        ),
        "usage_search": "Usage : /search <i>mots</i> (par exemple /search travail du clic)",
        "usage_quote": "Usage : /quote [<i>mots</i>] (par exemple /quote je coche des cases)",
        "no_results": "Aucun résultat pour « {query} ».",
        "did_you_mean": "Vouliez-vous dire « {suggestion} » ? /search {suggestion}",
        "results_header": "Résultats pour « {query} » ({total}) :",
        "page": "Page {page}/{pages}",
        "truncated": "Votre recherche était trop longue : je l’ai coupée à {limit} caractères.",
        "no_quote": "Aucune citation trouvée pour « {query} ».",
        "no_posts": "Il n’y a encore aucun article.",
        "sources_header": "<b>Sources</b> ({count})",
        "source_line": "{name} : {count} articles, dernier le {latest}",
        "source_line_one": "{name} : 1 article, le {latest}",
        "source_line_empty": "{name} : aucun article",
        "unknown_command": "Je ne connais pas cette commande. /help donne la liste.",
        "error": "Désolé, quelque chose s’est mal passé. Réessayez dans un instant.",
        "expired": "Cette recherche a expiré : relancez /search.",
        "warning": "Attention : {warning}",
        "by": "— {speaker}",
        "source_date": "{source} · {date}",
        "share_more": "Plus de résultats",
        "held_header": "Pendant vos heures calmes ({count} articles) :",
        "and_more": "… et {count} autres.",
        "more_from": "… et {count} autre(s) article(s) de {source}",
        "more_hint": "Retrouvez-les avec /search, ou recevez tout en un résumé avec /digest daily 08:00.",
        "digest_header": "<b>Votre résumé</b> ({count} articles)",
        "usage_subscribe": (
            "Usage : /subscribe <i>source</i>|all [<i>filtres</i>]\n"
            "Filtres : <code>+mot</code> requis, <code>-mot</code> exclu, "
            '<code>"une expression"</code> requise. Exemple : '
            "<code>/subscribe Numerama +ia -bitcoin</code>"
        ),
        "usage_unsubscribe": "Usage : /unsubscribe <i>source</i>|all",
        "usage_filter": "Usage : /filter test <i>source</i> <i>filtres</i>",
        "usage_quiet": "Usage : /quiet 22:00-07:00 ou /quiet off",
        "usage_digest": (
            "Usage : /digest daily 08:00 | /digest weekly mon 08:00 | /digest off | /digest now"
        ),
        "usage_timezone": "Usage : /timezone Europe/Paris",
        "usage_previews": "Usage : /previews on ou /previews off",
        "previews_on": "Les articles envoyés ici montreront l’aperçu de leur lien.",
        "previews_off": "Les articles envoyés ici n’auront plus d’aperçu de lien.",
        "usage_addsource": "Usage : /addsource <i>nom</i> <i>url</i>",
        "usage_removesource": "Usage : /removesource <i>nom</i>",
        "unknown_source": "Source inconnue : « {name} ». La liste des sources : /sources",
        "unknown_source_close": "Source inconnue : « {name} ». Vouliez-vous dire : {close} ? Toutes les sources : /sources",
        "ambiguous_source": "« {name} » désigne plusieurs sources : {names}. Précisez laquelle.",
        "subscribed": "Abonné à {source}{filters}. Les nouveaux articles arriveront ici.",
        "subscription_updated": "Abonnement à {source} mis à jour{filters}.",
        "with_filters": " (filtres : <code>{filters}</code>)",
        "all_sources": "toutes les sources",
        "unsubscribed": "Désabonné de {source}.",
        "not_subscribed": "Aucun abonnement à {source} ici.",
        "no_subscriptions": "Aucun abonnement. Essayez /subscribe Numerama",
        "subscriptions_header": "<b>Abonnements de {chat}</b>",
        "removed": "Abonnement retiré.",
        "bad_filter": "Filtre refusé : {error}",
        "filter_header": "Sur les {count} derniers articles de {source}, {passed} passent :",
        "admins_only": "Seuls les administrateurs de ce groupe peuvent changer ses abonnements.",
        "quiet_on": "Heures calmes : {start}–{end}. Les articles arrivés entre-temps viendront en un message.",
        "quiet_off": "Heures calmes désactivées.",
        "digest_on": "Résumé programmé : {schedule} ({tz}). Plus d’envois instantanés ici.",
        "digest_off": "Résumés désactivés : les articles arriveront de nouveau un par un.",
        "digest_empty": "Rien de nouveau pour un résumé.",
        "digest_sent": "Résumé envoyé ({count} articles).",
        "bad_schedule": "Programme illisible : {error}",
        "timezone_set": "Fuseau horaire : {tz}.",
        "bad_timezone": "Fuseau inconnu : « {tz} ». Exemple : Europe/Paris, America/Montreal.",
        "status_sources": "<b>Sources</b> : {count} suivie(s), {failing} en échec",
        "status_source": "{name} : dernier succès {success}, {errors} erreur(s), prochain passage {next}",
        "status_failing": " ⚠️ en échec : {error}",
        "status_collisions": "↳ ⚠️ {name} : {count} entrée(s) du flux reprennent l’identifiant d’une autre ; seule la première est gardée",
        "status_chat": "<b>Cette conversation</b> : {subs} abonnement(s), {pending} envoi(s) en attente",
        "status_given_up": "⚠️ {count} envoi(s) abandonné(s) après des échecs répétés",
        # fulltext-fetch: full articles fetched from the pages of teasers (/status block).
        "fulltext_header": "<b>Articles complets</b> (pages des accroches)",
        "fulltext_source": "{name} — texte complet : {full} · accroche seule : {teasers} · réservés aux abonnés : {subscribers}",
        "fulltext_waiting": " · page attendue : {count}",
        "fulltext_failed": "↳ pages en échec : {reasons}",
        "fulltext_reason": "{reason} : {count}",
        "fulltext_reason_gone": "introuvable (404 ou 410)",
        "fulltext_reason_http": "erreur du site",
        "fulltext_reason_timeout": "délai dépassé",
        "fulltext_reason_too_big": "trop lourde",
        "fulltext_reason_not_html": "pas une page HTML",
        "fulltext_reason_robots": "interdite par robots.txt",
        "fulltext_reason_refused": "adresse refusée",
        "fulltext_reason_unreachable": "site injoignable",
        "fulltext_reason_empty": "aucun article trouvé",
        "fulltext_reason_unreadable": "illisible",
        "never": "jamais",
        "admin_only": "Cette commande est réservée aux administrateurs de Relais.",
        "source_added": "Source ajoutée : {name} ({url}). Son premier passage ne fait qu’enregistrer l’existant.",
        "source_unchanged": "{name} est déjà suivie à cette adresse ({url}).",
        "source_url_differs": "{name} est déjà suivie depuis {other} : adresse {url} non appliquée. Pour en changer : /removesource {name}, puis de nouveau /addsource.",
        "source_same_url": "{url} est déjà suivie sous le nom {other} : {name} non ajoutée.",
        "source_lookalike": "« {name} » ressemble trop à la source {other} : choisissez un nom bien distinct.",
        "source_twice": "{name} figure deux fois : seule la première est prise.",
        "source_removed": "Source retirée : {name}. Ses articles restent consultables.",
        "still_in_file": " Elle figure encore dans SOURCES_FILE : retirez-la aussi de ce fichier.",
        "opml_imported": "{count} source(s) importée(s).",
        "opml_unchanged": "{count} déjà suivie(s) à la même adresse.",
        "opml_errors": "Ignoré : {errors}",
        "source_not_public": "Refusé : {url} mène à {address}, qui n’est pas une adresse publique (cette machine, un réseau privé, une plage réservée…). Les sources ajoutées depuis Telegram doivent être sur Internet ; pour des flux de son propre réseau, l’opérateur peut régler ALLOW_PRIVATE_SOURCES=1.",
        "source_odd_host": "Refusé : {host} est une adresse numérique écrite de façon inhabituelle. Donnez le nom du site.",
        "source_unresolved": "Refusé : impossible de trouver l’adresse de {host}. Vérifiez l’URL, puis réessayez.",
        "opml_refused": "Refusé (adresse non publique ou introuvable) : {sources}",
        "channel_pick": "Choisissez le canal à configurer avec le bouton, transférez-moi un de ses messages, ou écrivez /channel @nom_du_canal.",
        "channel_button": "Choisir un canal",
        "channel_set": "Vous configurez maintenant le canal {title}. /subscribe, /digest… s’appliquent à lui. /channel off pour revenir ici.",
        "channel_off": "Vous configurez de nouveau cette conversation.",
        "channel_not_admin": "Vous devez être administrateur de {title} pour le configurer.",
        "channel_bot_cannot_post": "Ajoutez-moi comme administrateur de {title} avec le droit de publier, puis réessayez.",
        "channel_unknown": "Je ne trouve pas ce canal. Ajoutez-moi d’abord comme administrateur.",
        "welcome_back": "Content de vous revoir : vos abonnements reprennent.",
        "source_failing": "⚠️ <b>{name}</b> échoue sans cesse ; nouvelles tentatives de plus en plus espacées : {error}",
        "source_recovered": "✅ <b>{name}</b> répond de nouveau.",
        "opml_too_big": "Fichier ignoré : il dépasse {size} Mo.",
        # hardening-runtime (issue 20): the search index rebuilt while the bot runs.
        "index_rebuilding": "L’index de recherche est en reconstruction. Réessayez dans une minute.",
        "button_not_here": "Ce bouton n’appartient pas à ce message.",
        # Slice « delivery »: admin alerts gathered into one message per period.
        "alerts_failing_one": "⚠️ Une source échoue sans cesse ; nouvelles tentatives de plus en plus espacées :",
        "alerts_failing_many": "⚠️ {count} sources échouent sans cesse ; nouvelles tentatives de plus en plus espacées :",
        "alerts_recovered_one": "✅ Une source répond de nouveau :",
        "alerts_recovered_many": "✅ {count} sources répondent de nouveau :",
        "alerts_others_one": "… et une autre",
        "alerts_others_many": "… et {count} autres",
        # --- unseen-feeds (issue 17): /sources marks what is not polled.
        "source_not_polled": "{line} · archives seulement, plus relevée",
        # Slice « topics-setup » (issue 19, items 13 to 17): the welcome names the sources.
        "welcome_relays": "je relaie les articles {names} et je retrouve ce qu’ils disent.",
        "welcome_relays_more": (
            "je relaie les articles {names} et de {count} autres sources (/sources les donne "
            "toutes), et je retrouve ce qu’ils disent."
        ),
        "welcome_no_sources": (
            "je relaierai les articles des sources que l’opérateur du bot ajoutera (dans "
            "data/sources.toml, ou par /addsource) ; il n’y en a encore aucune."
        ),
        "list_and": " et ",
        "list_of": "de {name}",
        "list_of_vowel": "d’{name}",
        "your_id": (
            "Votre identifiant Telegram : <code>{user}</code> (celui qu’ADMIN_IDS attend)\n"
            "Cette conversation : <code>{chat}</code>"
        ),
        # Slice « topics-setup », item 13: readers bring feeds (OPEN_SOURCES=1).
        "open_no_feed": (
            "Aucun flux trouvé à {url} : ni flux RSS ou Atom, ni lien vers un flux dans la page, "
            "ni /feed ou /rss sur le site."
        ),
        "open_pick_feed": "Ce site annonce {count} flux. Lequel suivre ?",
        "open_added": (
            "Source ajoutée et suivie : {source}{filters}. Les nouveaux articles arriveront ici ; "
            "ceux déjà publiés ne sont pas envoyés."
        ),
        "open_name_taken": (
            "Ce flux s’appelle « {name} », trop proche de la source {other} déjà suivie : "
            "/subscribe {other} pour la suivre, ou demandez à l’opérateur du bot de l’ajouter."
        ),
        "open_user_limit": (
            "Vous avez atteint le maximum de sources qu’une personne peut ajouter ({limit}) : "
            "demandez à l’opérateur du bot d’ajouter celle-ci."
        ),
        "open_total_limit": (
            "Le bot a atteint le maximum de sources ajoutées par ses lecteurs ({limit}) : "
            "demandez à son opérateur d’ajouter celle-ci."
        ),
    },
    "en": {
        "welcome": (
            "Hello! I am <b>Relais</b>: {relayed}\n\n"
            "Try: /search travail du clic\nOr a quote: /quote je coche des cases\n\n"
            "/help lists every command."
        ),
        "help": (
            "<b>Commands</b>\n"
            "/search <i>words</i>: find posts (typos, accents and plurals forgiven); here, "
            "in private, your words alone will do\n"
            "/quote [<i>words</i>]: a quote; with no words, a random one\n"
            "/sources: the sources, their post counts and latest post\n"
            "/start: the welcome\n/help: this help\n\n"
            "<b>Subscriptions</b>\n"
            "/subscribe <i>source</i>|all [<i>filters</i>]: get new posts "
            '(<code>+word</code>, <code>-word</code>, <code>"phrase"</code>)\n'
            "/unsubscribe <i>source</i>|all: stop\n"
            "/subscriptions: your subscriptions, with a button to remove each\n"
            "/filter test <i>source</i> <i>filters</i>: what filters would let through\n"
            "/quiet 22:00-07:00 | off: quiet hours\n"
            "/digest daily 08:00 | weekly mon 08:00 | off | now: digests instead of pushes\n"
            "/timezone <i>Area/City</i>: your time zone\n"
            "/previews on|off: link previews under pushed posts\n"
            "/status: how the sources and your deliveries stand\n"
            "/channel: set up a channel from this chat\n\n"
            "<b>Administration</b> (ADMIN_IDS)\n"
            "/addsource <i>name</i> <i>url</i>, /removesource <i>name</i>, /export (OPML); "
            "send an .opml file to import sources.\n\n"
            "<b>Search syntax</b>\n"
            '<code>"exact phrase"</code>, <code>-word</code> to exclude, '
            "<code>source:Numerama</code>, <code>since:2023-05-01</code>, "
            "<code>until:2023-12-31</code>\n\n"
            "In any chat, type <code>@{bot} words</code> to share a post."
        ),
        "usage_search": "Usage: /search <i>words</i> (for example /search travail du clic)",
        "usage_quote": "Usage: /quote [<i>words</i>] (for example /quote je coche des cases)",
        "no_results": "No results for “{query}”.",
        "did_you_mean": "Did you mean “{suggestion}”? /search {suggestion}",
        "results_header": "Results for “{query}” ({total}):",
        "page": "Page {page}/{pages}",
        "truncated": "Your search was too long: I cut it to {limit} characters.",
        "no_quote": "No quote found for “{query}”.",
        "no_posts": "There are no posts yet.",
        "sources_header": "<b>Sources</b> ({count})",
        "source_line": "{name}: {count} posts, latest on {latest}",
        "source_line_one": "{name}: 1 post, on {latest}",
        "source_line_empty": "{name}: no posts",
        "unknown_command": "I don't know that command. /help lists them.",
        "error": "Sorry, something went wrong. Please try again in a moment.",
        "expired": "This search has expired: send /search again.",
        "warning": "Note: {warning}",
        "by": "— {speaker}",
        "source_date": "{source} · {date}",
        "share_more": "More results",
        "held_header": "During your quiet hours ({count} posts):",
        "and_more": "… and {count} more.",
        "more_from": "… and {count} more post(s) from {source}",
        "more_hint": "Find them with /search, or get everything as one digest with /digest daily 08:00.",
        "digest_header": "<b>Your digest</b> ({count} posts)",
        "usage_subscribe": (
            "Usage: /subscribe <i>source</i>|all [<i>filters</i>]\n"
            "Filters: <code>+word</code> required, <code>-word</code> excluded, "
            '<code>"a phrase"</code> required. Example: '
            "<code>/subscribe Numerama +ia -bitcoin</code>"
        ),
        "usage_unsubscribe": "Usage: /unsubscribe <i>source</i>|all",
        "usage_filter": "Usage: /filter test <i>source</i> <i>filters</i>",
        "usage_quiet": "Usage: /quiet 22:00-07:00 or /quiet off",
        "usage_digest": (
            "Usage: /digest daily 08:00 | /digest weekly mon 08:00 | /digest off | /digest now"
        ),
        "usage_timezone": "Usage: /timezone Europe/Paris",
        "usage_previews": "Usage: /previews on or /previews off",
        "previews_on": "Posts sent here will show their link preview.",
        "previews_off": "Posts sent here will no longer show a link preview.",
        "usage_addsource": "Usage: /addsource <i>name</i> <i>url</i>",
        "usage_removesource": "Usage: /removesource <i>name</i>",
        "unknown_source": "Unknown source: “{name}”. The list of sources: /sources",
        "unknown_source_close": "Unknown source: “{name}”. Did you mean: {close}? Every source: /sources",
        "ambiguous_source": "“{name}” names several sources: {names}. Say which one.",
        "subscribed": "Subscribed to {source}{filters}. New posts will arrive here.",
        "subscription_updated": "Subscription to {source} updated{filters}.",
        "with_filters": " (filters: <code>{filters}</code>)",
        "all_sources": "every source",
        "unsubscribed": "Unsubscribed from {source}.",
        "not_subscribed": "No subscription to {source} here.",
        "no_subscriptions": "No subscriptions. Try /subscribe Numerama",
        "subscriptions_header": "<b>Subscriptions of {chat}</b>",
        "removed": "Subscription removed.",
        "bad_filter": "Filter refused: {error}",
        "filter_header": "Of the last {count} posts of {source}, {passed} pass:",
        "admins_only": "Only this group's admins can change its subscriptions.",
        "quiet_on": "Quiet hours: {start}–{end}. Posts arriving meanwhile come as one message.",
        "quiet_off": "Quiet hours off.",
        "digest_on": "Digest scheduled: {schedule} ({tz}). No more instant pushes here.",
        "digest_off": "Digests off: posts will arrive one by one again.",
        "digest_empty": "Nothing new for a digest.",
        "digest_sent": "Digest sent ({count} posts).",
        "bad_schedule": "Unreadable schedule: {error}",
        "timezone_set": "Time zone: {tz}.",
        "bad_timezone": "Unknown time zone: “{tz}”. Example: Europe/Paris, America/Montreal.",
        "status_sources": "<b>Sources</b>: {count} polled, {failing} failing",
        "status_source": "{name}: last success {success}, {errors} error(s), next poll {next}",
        "status_failing": " ⚠️ failing: {error}",
        "status_collisions": "↳ ⚠️ {name}: {count} feed entry(ies) reuse another entry’s id; only the first is kept",
        "status_chat": "<b>This chat</b>: {subs} subscription(s), {pending} delivery(ies) waiting",
        "status_given_up": "⚠️ {count} delivery(ies) given up after repeated failures",
        # fulltext-fetch: full articles fetched from the pages of teasers (/status block).
        "fulltext_header": "<b>Full articles</b> (pages of teasers)",
        "fulltext_source": "{name} — full text: {full} · teaser only: {teasers} · for subscribers: {subscribers}",
        "fulltext_waiting": " · page awaited: {count}",
        "fulltext_failed": "↳ pages failed: {reasons}",
        "fulltext_reason": "{reason}: {count}",
        "fulltext_reason_gone": "not found (404 or 410)",
        "fulltext_reason_http": "site error",
        "fulltext_reason_timeout": "timed out",
        "fulltext_reason_too_big": "too big",
        "fulltext_reason_not_html": "not an HTML page",
        "fulltext_reason_robots": "disallowed by robots.txt",
        "fulltext_reason_refused": "address refused",
        "fulltext_reason_unreachable": "site unreachable",
        "fulltext_reason_empty": "no article found",
        "fulltext_reason_unreadable": "unreadable",
        "never": "never",
        "admin_only": "This command is for Relais admins only.",
        "source_added": "Source added: {name} ({url}). Its first poll only records what is there.",
        "source_unchanged": "{name} is already polled at that address ({url}).",
        "source_url_differs": "{name} is already polled from {other}: {url} not applied. To change it: /removesource {name}, then /addsource again.",
        "source_same_url": "{url} is already polled as {other}: {name} not added.",
        "source_lookalike": "“{name}” looks too much like the source {other}: pick a clearly different name.",
        "source_twice": "{name} is listed twice: only the first one counts.",
        "source_removed": "Source removed: {name}. Its posts stay searchable.",
        "still_in_file": " It is still listed in SOURCES_FILE: remove it there too.",
        "opml_imported": "{count} source(s) imported.",
        "opml_unchanged": "{count} already polled at the same address.",
        "opml_errors": "Skipped: {errors}",
        "source_not_public": "Refused: {url} leads to {address}, which is not a public address (this machine, a private network, a reserved range…). Sources added from Telegram must be on the internet; for feeds on their own network the operator can set ALLOW_PRIVATE_SOURCES=1.",
        "source_odd_host": "Refused: {host} is a numeric address written in an unusual way. Give the site’s name.",
        "source_unresolved": "Refused: could not find the address of {host}. Check the URL, then try again.",
        "opml_refused": "Refused (address not public or not found): {sources}",
        "channel_pick": "Pick the channel to set up with the button, forward me one of its posts, or send /channel @channel_name.",
        "channel_button": "Pick a channel",
        "channel_set": "You are now setting up the channel {title}. /subscribe, /digest… apply to it. /channel off to come back here.",
        "channel_off": "You are setting up this chat again.",
        "channel_not_admin": "You must be an admin of {title} to set it up.",
        "channel_bot_cannot_post": "Add me as an admin of {title} allowed to post, then try again.",
        "channel_unknown": "I can't find that channel. Add me as its admin first.",
        "welcome_back": "Welcome back: your subscriptions resume.",
        "source_failing": "⚠️ <b>{name}</b> keeps failing, retrying with backoff: {error}",
        "source_recovered": "✅ <b>{name}</b> answers again.",
        "opml_too_big": "File skipped: it is larger than {size} MB.",
        # hardening-runtime (issue 20): the search index rebuilt while the bot runs.
        "index_rebuilding": "The search index is being rebuilt. Please try again in a minute.",
        "button_not_here": "This button does not belong to this message.",
        # Slice "delivery": admin alerts gathered into one message per period.
        "alerts_failing_one": "⚠️ One source keeps failing, retrying with backoff:",
        "alerts_failing_many": "⚠️ {count} sources keep failing, retrying with backoff:",
        "alerts_recovered_one": "✅ One source answers again:",
        "alerts_recovered_many": "✅ {count} sources answer again:",
        "alerts_others_one": "… and one more",
        "alerts_others_many": "… and {count} more",
        # --- unseen-feeds (issue 17): /sources marks what is not polled.
        "source_not_polled": "{line} · archive only, not polled",
        # Slice "topics-setup" (issue 19, items 13 to 17): the welcome names the sources.
        "welcome_relays": "I relay posts {names} and find what they say.",
        "welcome_relays_more": (
            "I relay posts {names} and {count} other sources (/sources lists them all), "
            "and find what they say."
        ),
        "welcome_no_sources": (
            "I will relay posts from the sources the bot's operator adds (in data/sources.toml, "
            "or with /addsource); there are none yet."
        ),
        "list_and": " and ",
        "list_of": "from {name}",
        "list_of_vowel": "from {name}",
        "your_id": (
            "Your Telegram id: <code>{user}</code> (the one ADMIN_IDS wants)\n"
            "This chat: <code>{chat}</code>"
        ),
        # Slice "topics-setup", item 13: readers bring feeds (OPEN_SOURCES=1).
        "open_no_feed": (
            "No feed found at {url}: neither an RSS or Atom feed, nor a link to one in the page, "
            "nor /feed or /rss on the site."
        ),
        "open_pick_feed": "This site announces {count} feeds. Which one to follow?",
        "open_added": (
            "Source added and followed: {source}{filters}. New posts will arrive here; "
            "those already published are not sent."
        ),
        "open_name_taken": (
            "This feed is called “{name}”, too close to the source {other} already polled: "
            "/subscribe {other} to follow it, or ask the bot's operator to add it."
        ),
        "open_user_limit": (
            "You have reached the most sources one person may add ({limit}): ask the bot's "
            "operator to add this one."
        ),
        "open_total_limit": (
            "The bot has reached the most sources its readers may add ({limit}): ask its "
            "operator to add this one."
        ),
    },
}

# Plain-text sentences (not HTML: the caller escapes the whole sentence) for errors that
# carry a stable code: subscription filters, search query warnings, digest schedules.
MESSAGES: dict[str, dict[str, str]] = {
    "fr": {
        "filter.too_long": "filtre trop long (plus de {value} caractères)",
        "filter.too_many_terms": "trop de termes (au plus {value})",
        "filter.unbalanced_quote": "guillemet non fermé : {value}",
        "filter.lone_sign": "« {value} » doit être collé à un mot, comme +ia ou -bitcoin",
        "filter.empty_phrase": "expression vide : {value}",
        "filter.no_word": "aucun mot dans « {value} »",
        "filter.contradiction": (
            "« {value} » est à la fois exigé et exclu, rien ne peut correspondre"
        ),
        "query.truncated": "recherche coupée à {value} caractères",
        "query.bad_date": "date illisible « {value} » (attendu : AAAA-MM-JJ), filtre ignoré",
        "query.empty_operator": "« {value} » sans valeur, ignoré",
        "query.unclosed_quote": "guillemet non fermé : « {value} » cherché comme expression",
        "query.stop_words_only": "mots trop courants pour chercher seuls : {value}",
        "query.stop_words_phrase": "expression de mots trop courants ignorée : « {value} »",
        "query.date_range": "since: est après until: ({value}), rien ne peut correspondre",
        "query.unknown_source": "aucune source « {value} »",
        "query.ambiguous_source": "plusieurs sources pour {value}, toutes gardées",
        "schedule.form": (
            "écrivez daily HH:MM ou weekly JOUR HH:MM (par exemple daily 08:00 ou weekly lun 08:00)"
        ),
        "schedule.day": "jour inconnu « {value} » : lun, mar, mer, jeu, ven, sam ou dim",
        "schedule.time": "« {value} » n’est pas une heure comme 08:30",
    },
    "en": {
        "filter.too_long": "filter too long (over {value} characters)",
        "filter.too_many_terms": "too many terms (at most {value})",
        "filter.unbalanced_quote": "unclosed quote: {value}",
        "filter.lone_sign": "“{value}” must be stuck to a word, like +ia or -bitcoin",
        "filter.empty_phrase": "empty phrase: {value}",
        "filter.no_word": "no word in “{value}”",
        "filter.contradiction": "“{value}” is both required and excluded, nothing can match",
        "query.truncated": "query cut to {value} characters",
        "query.bad_date": "unreadable date “{value}” (expected YYYY-MM-DD), filter ignored",
        "query.empty_operator": "“{value}” has no value, ignored",
        "query.unclosed_quote": "unclosed quote: “{value}” searched as a phrase",
        "query.stop_words_only": "words too common to search on their own: {value}",
        "query.stop_words_phrase": "phrase of only common words ignored: “{value}”",
        "query.date_range": "since: is after until: ({value}), nothing can match",
        "query.unknown_source": "no source “{value}”",
        "query.ambiguous_source": "several sources for {value}, all kept",
        "schedule.form": "use daily HH:MM or weekly DAY HH:MM (e.g. daily 08:00 or weekly mon 08:00)",
        "schedule.day": "unknown day “{value}”: use mon, tue, wed, thu, fri, sat or sun",
        "schedule.time": "“{value}” is not a time such as 08:30",
    },
}

# -- hardening-data (issue 20, item 15): a source's failure, stored as a code by
# bot/errors.py, in the reader's language (plain text: the caller escapes it).
MESSAGES["fr"].update(
    {
        "source_error.fetch_failed": "le téléchargement a échoué",
        "source_error.internal": "erreur interne : {detail}",
        "source_error.invalid_url": "adresse invalide : {detail}",
        "source_error.not_http": "ce n’est pas une adresse http ou https",
        "source_error.timeout": "pas de réponse complète en {seconds} s",
        "source_error.redirects": "trop de redirections (au plus {max})",
        "source_error.connection_refused": "connexion refusée",
        "source_error.unresolved": "nom de serveur introuvable",
        "source_error.unresolved_host": "refusé : le serveur {host} est introuvable",
        "source_error.no_connection": "connexion impossible",
        "source_error.no_connection_because": "connexion impossible : {detail}",
        "source_error.unsupported_url": "redirection ou adresse non prise en charge : {detail}",
        "source_error.http": "le serveur a répondu HTTP {status}",
        "source_error.too_big": "réponse plus grosse que la limite de {size}",
        "source_error.decoded_too_big": "contenu décompressé de plus de {bytes} octets",
        "source_error.stacked_encodings": "encodages de contenu empilés refusés ({codings})",
        "source_error.unknown_encoding": "encodage de contenu inconnu : {coding}",
        "source_error.undecodable": "impossible de décoder le contenu {coding}",
        "source_error.numeric_address": (
            "refusé : {host} est une adresse numérique écrite de façon inhabituelle"
        ),
        "source_error.not_public": "refusé : {where} est une adresse {reason}, non publique",
        "source_error.too_slow": (
            "toujours en téléchargement après {seconds} s, alors que trop de sources lentes"
            " étaient déjà en cours"
        ),
        "source_error.empty": "réponse vide",
        "source_error.opml": "une liste OPML de flux, pas des articles",
        "source_error.not_feed": "ni un export Movim, ni un flux RSS, Atom ou JSON",
        "source_error.network": "erreur réseau ({detail})",
        "address_kind.cloud_metadata": "de métadonnées du cloud",
        "address_kind.unspecified": "non spécifiée",
        "address_kind.loopback": "de bouclage",
        "address_kind.link_local": "de lien local",
        "address_kind.multicast": "de multidiffusion",
        "address_kind.private": "privée",
        "address_kind.site_local": "de site local",
        "address_kind.reserved": "réservée",
        "address_kind.non_global": "non routable",
    }
)
MESSAGES["en"].update(
    {
        "source_error.fetch_failed": "fetch failed",
        "source_error.internal": "internal error: {detail}",
        "source_error.invalid_url": "invalid URL: {detail}",
        "source_error.not_http": "not an http(s) URL",
        "source_error.timeout": "timed out after {seconds} s",
        "source_error.redirects": "too many redirects (max {max})",
        "source_error.connection_refused": "connection refused",
        "source_error.unresolved": "could not resolve host",
        "source_error.unresolved_host": "refused: could not resolve {host}",
        "source_error.no_connection": "could not connect",
        "source_error.no_connection_because": "could not connect: {detail}",
        "source_error.unsupported_url": "unsupported redirect or URL: {detail}",
        "source_error.http": "HTTP {status}",
        "source_error.too_big": "response larger than {size} cap",
        "source_error.decoded_too_big": "decoded body larger than {bytes} bytes",
        "source_error.stacked_encodings": "stacked content encodings refused ({codings})",
        "source_error.unknown_encoding": "unsupported content encoding: {coding}",
        "source_error.undecodable": "could not decode the {coding} body",
        "source_error.numeric_address": "refused: {host} is a numeric address spelled unusually",
        "source_error.not_public": "refused: {where} is a {reason} address, not a public one",
        "source_error.too_slow": "still loading after {seconds} s while the slow lane was full",
        "source_error.empty": "empty input",
        "source_error.opml": "an OPML list of feeds, not posts",
        "source_error.not_feed": "neither a Movim dump nor an RSS/Atom/JSON feed",
        "source_error.network": "{detail}",
        "address_kind.cloud_metadata": "cloud metadata",
        "address_kind.unspecified": "unspecified",
        "address_kind.loopback": "loopback",
        "address_kind.link_local": "link-local",
        "address_kind.multicast": "multicast",
        "address_kind.private": "private",
        "address_kind.site_local": "site-local",
        "address_kind.reserved": "reserved",
        "address_kind.non_global": "non-global",
    }
)

# The command menus; the admin commands are left out of them (they are in /help).
ADMIN_COMMANDS = ("addsource", "removesource", "export")
COMMANDS: dict[str, list[tuple[str, str]]] = {
    "fr": [
        ("start", "Accueil et exemples"),
        ("help", "Toutes les commandes et la syntaxe de recherche"),
        ("search", "Chercher des articles : /search mots"),
        ("quote", "Une citation : /quote [mots]"),
        ("sources", "Les sources suivies"),
        ("subscribe", "S’abonner : /subscribe source [filtres]"),
        ("unsubscribe", "Se désabonner : /unsubscribe source"),
        ("subscriptions", "Vos abonnements"),
        ("filter", "Tester des filtres : /filter test source filtres"),
        ("quiet", "Heures calmes : /quiet 22:00-07:00"),
        ("digest", "Résumés : /digest daily 08:00"),
        ("timezone", "Fuseau horaire : /timezone Europe/Paris"),
        ("previews", "Aperçus de liens : /previews on|off"),
        ("status", "État des sources et des envois"),
        ("channel", "Configurer un canal"),
    ],
    "en": [
        ("start", "Welcome and examples"),
        ("help", "Every command and the search syntax"),
        ("search", "Find posts: /search words"),
        ("quote", "A quote: /quote [words]"),
        ("sources", "The sources followed"),
        ("subscribe", "Subscribe: /subscribe source [filters]"),
        ("unsubscribe", "Unsubscribe: /unsubscribe source"),
        ("subscriptions", "Your subscriptions"),
        ("filter", "Test filters: /filter test source filters"),
        ("quiet", "Quiet hours: /quiet 22:00-07:00"),
        ("digest", "Digests: /digest daily 08:00"),
        ("timezone", "Time zone: /timezone Europe/Paris"),
        ("previews", "Link previews: /previews on|off"),
        ("status", "Sources and deliveries"),
        ("channel", "Set up a channel"),
    ],
}


def language(code: str | None) -> str:
    """The catalogue language for a Telegram `language_code`: French unless English."""
    return "en" if code and code.lower().startswith("en") else "fr"


def text(lang: str, key: str, **values: object) -> str:
    """A catalogue text in `lang`, with placeholders filled."""
    template = TEXTS.get(lang, TEXTS["fr"]).get(key) or TEXTS["fr"][key]
    return template.format(**values) if values else template


def message(lang: str, key: str, **values: object) -> str:
    """A plain-text sentence of MESSAGES in `lang`; an unknown key gives itself and values."""
    template = MESSAGES.get(lang, MESSAGES["fr"]).get(key) or MESSAGES["fr"].get(key)
    if template is None:
        return " ".join([key.rpartition(".")[2], *map(str, values.values())])
    return template.format(**values)


def format_date(moment: datetime | None, lang: str) -> str:
    """A date as people write it: `8 février 2024` or `8 February 2024`."""
    if moment is None:
        return "?"
    month = _MONTHS.get(lang, _MONTHS["fr"]).split()[moment.month - 1]
    return f"{moment.day} {month} {moment.year}"

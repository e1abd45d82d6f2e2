"""The catalogue of user-facing texts, in French (the default) and English."""

from __future__ import annotations

import string
from datetime import datetime
from typing import Any

from bot.typography import french_spaces

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
            "<b>Chercher</b>\n"
            "{search}\n"
            "/quote je coche des cases : une citation ; /quote seul, une au hasard\n"
            "/sources : les sources suivies ; /start : l’accueil ; /help : cette aide\n\n"
            "<b>Recevoir les articles</b>\n"
            "/subscribe Numerama : ses nouveaux articles arrivent {where} ; "
            "/subscribe tout : toutes les sources\n"
            "/subscribe Numerama +ia -bitcoin « intelligence artificielle » : "
            "seulement ceux qui passent ces filtres\n"
            "/subscriptions : les abonnements, un bouton pour retirer chacun ; "
            "/unsubscribe <i>source</i> ou tout\n"
            "/digest quotidien 8h, hebdo lundi 8h, non ou maintenant : un résumé au lieu "
            "d’envois un par un\n"
            "/quiet 22h-7h ou non : des heures calmes\n"
            "/timezone Europe/Paris{language} · /previews oui ou non · "
            "/filter test <i>source</i> <i>filtres</i>\n"
            "/status : où en sont les envois{channel}{topics}\n\n"
            "<b>Recherche fine</b> : « expression exacte », <code>-mot</code>, "
            "<code>source:Numerama</code>, <code>since:2023-05-01</code>, "
            "<code>until:2023-12-31</code>\n"
            "Dans n’importe quelle conversation, <code>@{bot} mots</code> partage un article."
            "{aliases}{admin}"
        ),
        "help_search_private": (
            "Écrivez-moi simplement des mots, ou /search travail du clic (fautes, accents et "
            "pluriels pardonnés)"
        ),
        "help_search_group": (
            "/search travail du clic : chercher des articles (fautes, accents et pluriels "
            "pardonnés)"
        ),
        "help_where_private": "ici",
        "help_where_group": "dans ce groupe",
        "help_where_topic": "dans ce sujet",
        "help_topics": (
            "\nDans un groupe à sujets, chaque commande vaut pour le sujet où elle est écrite "
            "(le sujet Général : tout le groupe) ; la langue et le fuseau horaire valent pour "
            "tout le groupe."
        ),
        "help_channel_private": " ; /channel : configurer un canal depuis ici",
        "help_admin": (
            "\n\n<b>Administration</b>\n"
            "/addsource <i>nom</i> <i>url</i>, /removesource <i>nom</i>, /export (OPML) ; "
            "envoyez-moi un fichier .opml pour importer des sources."
        ),
        "usage_search": "Syntaxe : /search <i>mots</i>. Exemple : /search travail du clic",
        "usage_quote": "Syntaxe : /quote [<i>mots</i>]. Exemple : /quote je coche des cases",
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
        "held_header": "Pendant vos heures calmes ({count:p:article|articles}) :",
        "and_more": "… et {count:p:autre|autres}.",
        "more_from": "… et {count:p:autre article|autres articles} de {source}",
        "more_hint": "Retrouvez-les avec /search, ou recevez tout en un résumé avec /digest quotidien 8h.",
        "digest_header": "<b>Votre résumé</b> ({count:p:article|articles})",
        "usage_subscribe": (
            "Syntaxe : /subscribe <i>source</i> [<i>filtres</i>], ou /subscribe tout\n"
            "Filtres : <code>+mot</code> requis, <code>-mot</code> exclu, "
            "« une expression » requise. Exemple : "
            "<code>/subscribe Numerama +ia -bitcoin</code>"
        ),
        "usage_unsubscribe": "Syntaxe : /unsubscribe <i>source</i>, ou /unsubscribe tout",
        "usage_filter": "Syntaxe : /filter test <i>source</i> <i>filtres</i>. Exemple : /filter test Numerama +ia",
        "usage_quiet": "Syntaxe : /quiet 22h-7h (ou 22:00-07:00), ou /quiet non pour les retirer",
        "usage_digest": (
            "Syntaxe : /digest quotidien 8h, /digest hebdo lundi 8h, /digest non "
            "(envois un par un) ou /digest maintenant"
        ),
        "usage_timezone": "Syntaxe : /timezone <i>Zone/Ville</i>. Exemple : /timezone Europe/Paris",
        "usage_previews": "Syntaxe : /previews oui ou /previews non",
        "previews_on": "Les articles envoyés {where} montreront l’aperçu de leur lien.",
        "previews_off": "Les articles envoyés {where} n’auront plus d’aperçu de lien.",
        "usage_addsource": "Syntaxe : /addsource <i>nom</i> <i>url</i>",
        "usage_removesource": "Syntaxe : /removesource <i>nom</i>",
        "unknown_source": "Source inconnue : « {name} ». La liste des sources : /sources",
        "unknown_source_close": "Source inconnue : « {name} ». Vouliez-vous dire : {close} ? Toutes les sources : /sources",
        "ambiguous_source": "« {name} » désigne plusieurs sources : {names}. Précisez laquelle.",
        "subscribed": "Abonnement à {source} enregistré{filters}. Les nouveaux articles arriveront {where}.",
        "subscription_updated": "Abonnement à {source} mis à jour{filters}.",
        "with_filters": " (filtres : {filters})",
        "all_sources": "toutes les sources",
        "unsubscribed": "Abonnement à {source} retiré.",
        "not_subscribed": "Aucun abonnement à {source} {where}.",
        "no_subscriptions": "Aucun abonnement. Essayez /subscribe Numerama",
        "subscriptions_header": "<b>Abonnements de {chat}</b>",
        "removed": "Abonnement retiré.",
        "bad_filter": "Filtre refusé : {error}",
        "filter_header": "Sur les {count} derniers articles de {source}, {passed:p:passe|passent} :",
        "filter_header_none": "Sur les {count} derniers articles de {source}, aucun ne passe.",
        "admins_only": "Seuls les administrateurs de ce groupe peuvent changer ses abonnements.",
        "quiet_on": "Heures calmes : {start}–{end}. Les articles arrivés entre-temps viendront en un message.",
        "quiet_off": "Heures calmes désactivées.",
        "digest_on": "Résumé programmé : {schedule} ({tz}). Plus d’envois instantanés {where}.",
        "digest_off": "Résumés désactivés : les articles arriveront de nouveau un par un.",
        "digest_empty": "Rien de nouveau pour un résumé.",
        "digest_sent": "Résumé envoyé ({count:p:article|articles}).",
        "bad_schedule": "Programme illisible : {error}",
        "timezone_set": "Fuseau horaire : {tz}.",
        "bad_timezone": "Fuseau inconnu : « {tz} ». Exemple : Europe/Paris, America/Montreal.",
        "status_sources": "<b>Sources</b> : {count:p:suivie|suivies}, {failing} en échec",
        "status_source": "{name} : dernier succès {success}, {errors:p:erreur|erreurs}, prochain passage {next}",
        "status_failing": " ⚠️ en échec : {error}",
        "status_collisions": "↳ ⚠️ {name} : {count:p:entrée du flux reprend|entrées du flux reprennent} l’identifiant d’une autre ; seule la première est gardée",
        "status_chat": "<b>{chat}</b> : {subs:p:abonnement|abonnements}, {pending:p:envoi|envois} en attente",
        "status_given_up": "⚠️ {count:p:envoi abandonné|envois abandonnés} après des échecs répétés",
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
        "opml_imported": "{count:p:source importée|sources importées}.",
        "opml_unchanged": "{count:p:déjà suivie|déjà suivies} à la même adresse.",
        "opml_errors": "Ignoré : {errors}",
        "source_not_public": "Refusé : {url} mène à {address}, qui n’est pas une adresse publique (cette machine, un réseau privé, une plage réservée…). Les sources ajoutées depuis Telegram doivent être sur Internet ; pour des flux de son propre réseau, l’opérateur peut régler ALLOW_PRIVATE_SOURCES=1.",
        "source_odd_host": "Refusé : {host} est une adresse numérique écrite de façon inhabituelle. Donnez le nom du site.",
        "source_unresolved": "Refusé : impossible de trouver l’adresse de {host}. Vérifiez l’URL, puis réessayez.",
        "opml_refused": "Refusé (adresse non publique ou introuvable) : {sources}",
        "channel_pick": "Choisissez le canal à configurer avec le bouton, transférez-moi un de ses messages, ou écrivez /channel @nom_du_canal.",
        "channel_button": "Choisir un canal",
        "channel_set": "Vous configurez maintenant le canal {title}. /subscribe, /digest… s’appliquent à lui. /channel fin pour revenir ici.",
        "channel_off": "Vous configurez de nouveau cette conversation.",
        "channel_not_admin": "Vous devez être administrateur de {title} pour le configurer.",
        "channel_bot_cannot_post": "Ajoutez-moi comme administrateur de {title} avec le droit de publier, puis réessayez.",
        "channel_unknown": "Je ne trouve pas ce canal. Ajoutez-moi d’abord comme administrateur.",
        "welcome_back": "Vous revoilà : vos abonnements reprennent.",
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
        # french slice: the chat's language (/langue), French command names.
        "language_name": "🇫🇷 Français",
        "usage_language": "Syntaxe : /langue fr ou /langue en. Ou choisissez :",
        "language_set": "C’est noté : je parlerai français ici.",
        "welcome_language": "Langue : choisissez ci-dessous, ou /langue en.",
        "help_language": " · /langue fr ou en",
        "unsubscribe_all_ask": (
            "Retirer {count:p:abonnement|abonnements} {where} ? Rien ne sera plus envoyé."
        ),
        "unsubscribe_all_yes": "Oui, tout retirer",
        "unsubscribe_all_no": "Non, garder",
        "unsubscribe_all_kept": "Rien n’a été retiré.",
        "unsubscribed_all": "{count:p:abonnement retiré|abonnements retirés} {where}.",
        "group_welcome": (
            "Bonjour ! Je suis <b>Relais</b> : je relaie des articles de presse et je retrouve "
            "ce qu’ils disent.\n\n"
            "Tout le monde ici peut chercher : /search travail du clic, ou /quote.\n"
            "Les administrateurs du groupe peuvent y faire arriver des articles : "
            "/subscribe Numerama, ou /subscribe tout ; /digest quotidien 8h pour un résumé "
            "par jour.\n/help : les commandes."
        ),
        "channel_from_private": (
            "Un canal se configure depuis une conversation privée avec moi : écrivez-moi "
            "/channel en privé."
        ),
        "status_digest": "Résumé : {schedule}",
        "status_quiet": "Heures calmes : {start}–{end}",
        "inline_hint": "Tapez des mots pour chercher un article à partager",
        "where_here": "ici",
        "where_channel": "dans le canal {title}",
        "this_chat": "Cette conversation",
        "this_channel": "Le canal {title}",
        # Forum topics (issue 19 item 1): a command sent in a topic applies to that topic.
        "this_topic": "Ce sujet",
        "topic_paused_admin": (
            "Le sujet {topic} de {chat} est fermé ou a été supprimé : ses abonnements sont "
            "gardés, mais plus rien n’y est envoyé. Les envois reprendront quand le sujet "
            "sera rouvert ou qu’une commande y sera envoyée."
        ),
        "topic_resumed": "Ce sujet reçoit de nouveau ses abonnements.",
        "help_aliases": (
            "\nLes commandes ont aussi un nom français : /aide, /chercher, /citation, "
            "/abonner, /desabonner, /abonnements, /filtre, /calme, /resume, /fuseau, "
            "/apercus, /etat, /canal, /langue."
        ),
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
            "<b>Search</b>\n"
            "{search}\n"
            "/quote je coche des cases: a quote; /quote alone, a random one\n"
            "/sources: the sources followed; /start: the welcome; /help: this help\n\n"
            "<b>Get new posts</b>\n"
            "/subscribe Numerama: its new posts come {where}; /subscribe all: every source\n"
            '/subscribe Numerama +ia -bitcoin "intelligence artificielle": only those '
            "passing these filters\n"
            "/subscriptions: the subscriptions, a button to remove each; "
            "/unsubscribe <i>source</i> or all\n"
            "/digest daily 8:00, weekly mon 8:00, off or now: a digest instead of "
            "one by one\n"
            "/quiet 22:00-07:00 or off: quiet hours\n"
            "/timezone Europe/Paris{language} · /previews on or off · "
            "/filter test <i>source</i> <i>filters</i>\n"
            "/status: how deliveries stand{channel}{topics}\n\n"
            '<b>Search syntax</b>: <code>"exact phrase"</code>, <code>-word</code>, '
            "<code>source:Numerama</code>, <code>since:2023-05-01</code>, "
            "<code>until:2023-12-31</code>\n"
            "In any chat, <code>@{bot} words</code> shares a post."
            "{aliases}{admin}"
        ),
        "help_search_private": (
            "Just write me words, or /search travail du clic (typos, accents and plurals forgiven)"
        ),
        "help_search_group": (
            "/search travail du clic: find posts (typos, accents and plurals forgiven)"
        ),
        "help_where_private": "here",
        "help_where_group": "to this group",
        "help_where_topic": "to this topic",
        "help_topics": (
            "\nIn a group with topics, each command applies to the topic it is sent in "
            "(the General topic: the whole group); language and time zone apply to the whole "
            "group."
        ),
        "help_channel_private": "; /channel: set up a channel from here",
        "help_admin": (
            "\n\n<b>Administration</b>\n"
            "/addsource <i>name</i> <i>url</i>, /removesource <i>name</i>, /export (OPML); "
            "send me an .opml file to import sources."
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
        "held_header": "During your quiet hours ({count:p:post|posts}):",
        "and_more": "… and {count} more.",
        "more_from": "… and {count:p:more post|more posts} from {source}",
        "more_hint": "Find them with /search, or get everything as one digest with /digest daily 8:00.",
        "digest_header": "<b>Your digest</b> ({count:p:post|posts})",
        "usage_subscribe": (
            "Usage: /subscribe <i>source</i> [<i>filters</i>], or /subscribe all\n"
            "Filters: <code>+word</code> required, <code>-word</code> excluded, "
            '<code>"a phrase"</code> required. Example: '
            "<code>/subscribe Numerama +ia -bitcoin</code>"
        ),
        "usage_unsubscribe": "Usage: /unsubscribe <i>source</i>, or /unsubscribe all",
        "usage_filter": "Usage: /filter test <i>source</i> <i>filters</i>",
        "usage_quiet": "Usage: /quiet 22:00-07:00 (or 10pm-7am as 22h-7h), or /quiet off",
        "usage_digest": (
            "Usage: /digest daily 8:00, /digest weekly mon 8:00, /digest off "
            "(one by one) or /digest now"
        ),
        "usage_timezone": "Usage: /timezone Europe/Paris",
        "usage_previews": "Usage: /previews on or /previews off",
        "previews_on": "Posts sent {where} will show their link preview.",
        "previews_off": "Posts sent {where} will no longer show a link preview.",
        "usage_addsource": "Usage: /addsource <i>name</i> <i>url</i>",
        "usage_removesource": "Usage: /removesource <i>name</i>",
        "unknown_source": "Unknown source: “{name}”. The list of sources: /sources",
        "unknown_source_close": "Unknown source: “{name}”. Did you mean: {close}? Every source: /sources",
        "ambiguous_source": "“{name}” names several sources: {names}. Say which one.",
        "subscribed": "Subscribed to {source}{filters}. New posts will arrive {where}.",
        "subscription_updated": "Subscription to {source} updated{filters}.",
        "with_filters": " (filters: {filters})",
        "all_sources": "every source",
        "unsubscribed": "Unsubscribed from {source}.",
        "not_subscribed": "No subscription to {source} {where}.",
        "no_subscriptions": "No subscriptions. Try /subscribe Numerama",
        "subscriptions_header": "<b>Subscriptions of {chat}</b>",
        "removed": "Subscription removed.",
        "bad_filter": "Filter refused: {error}",
        "filter_header": "Of the last {count} posts of {source}, {passed} pass:",
        "filter_header_none": "Of the last {count} posts of {source}, none passes.",
        "admins_only": "Only this group's admins can change its subscriptions.",
        "quiet_on": "Quiet hours: {start}–{end}. Posts arriving meanwhile come as one message.",
        "quiet_off": "Quiet hours off.",
        "digest_on": "Digest scheduled: {schedule} ({tz}). No more instant pushes {where}.",
        "digest_off": "Digests off: posts will arrive one by one again.",
        "digest_empty": "Nothing new for a digest.",
        "digest_sent": "Digest sent ({count:p:post|posts}).",
        "bad_schedule": "Unreadable schedule: {error}",
        "timezone_set": "Time zone: {tz}.",
        "bad_timezone": "Unknown time zone: “{tz}”. Example: Europe/Paris, America/Montreal.",
        "status_sources": "<b>Sources</b>: {count} polled, {failing} failing",
        "status_source": "{name}: last success {success}, {errors:p:error|errors}, next poll {next}",
        "status_failing": " ⚠️ failing: {error}",
        "status_collisions": "↳ ⚠️ {name}: {count:p:feed entry reuses|feed entries reuse} another entry’s id; only the first is kept",
        "status_chat": "<b>{chat}</b>: {subs:p:subscription|subscriptions}, {pending:p:delivery|deliveries} waiting",
        "status_given_up": "⚠️ {count:p:delivery|deliveries} given up after repeated failures",
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
        "opml_imported": "{count:p:source|sources} imported.",
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
        # french slice: the chat's language (/language), French command names.
        "language_name": "🇬🇧 English",
        "usage_language": "Usage: /language fr or /language en. Or pick one:",
        "language_set": "Noted: I will speak English here.",
        "welcome_language": "Language: pick one below, or /language fr.",
        "help_language": " · /language fr or en",
        "unsubscribe_all_ask": (
            "Remove the {count:p:subscription|subscriptions} {where}? Nothing more will be sent."
        ),
        "unsubscribe_all_yes": "Yes, remove all",
        "unsubscribe_all_no": "No, keep them",
        "unsubscribe_all_kept": "Nothing was removed.",
        "unsubscribed_all": "{count:p:subscription|subscriptions} removed {where}.",
        "group_welcome": (
            "Hello! I am <b>Relais</b>: I relay news posts and find what they say.\n\n"
            "Everyone here can search: /search travail du clic, or /quote.\n"
            "The group's admins can have posts come here: /subscribe Numerama, or "
            "/subscribe all; /digest daily 8:00 for one digest a day.\n/help: the commands."
        ),
        "channel_from_private": (
            "A channel is set up from a private chat with me: send me /channel in private."
        ),
        "status_digest": "Digest: {schedule}",
        "status_quiet": "Quiet hours: {start}–{end}",
        "inline_hint": "Type words to find a post to share",
        "where_here": "here",
        "where_channel": "in the channel {title}",
        "this_chat": "This chat",
        "this_channel": "The channel {title}",
        "this_topic": "This topic",
        "topic_paused_admin": (
            "The topic {topic} of {chat} is closed or was deleted: its subscriptions are "
            "kept, but nothing is sent to it any more. Sending resumes when the topic is "
            "reopened or a command is sent in it."
        ),
        "topic_resumed": "This topic receives its subscriptions again.",
        "help_aliases": "",
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

# search-asked (issue 18): a private chat's small talk answered as such, and the words a
# result lacks.
TEXTS["fr"].update(
    {
        "talk_greeting": (
            "Bonjour ! Écrivez-moi simplement ce que vous cherchez, par exemple "
            "<i>travail du clic</i> ou <i>l’Arcom et le streaming</i> ; /help donne toutes "
            "les commandes."
        ),
        "talk_thanks": (
            "Avec plaisir ! Écrivez d’autres mots pour une nouvelle recherche, ou essayez "
            "/quote pour une citation."
        ),
        "talk_courtesy": (
            "Très bien. Pour chercher, écrivez quelques mots, par exemple "
            "<i>intelligence artificielle</i> ; /help donne toutes les commandes."
        ),
        "without_words": "sans : {words}",
    }
)
TEXTS["en"].update(
    {
        "talk_greeting": (
            "Hello! Just write what you are looking for, for example <i>travail du clic</i> "
            "or <i>l’Arcom et le streaming</i>; /help lists every command."
        ),
        "talk_thanks": (
            "You are welcome! Write other words for a new search, or try /quote for a quote."
        ),
        "talk_courtesy": (
            "All right. To search, write a few words, for example "
            "<i>intelligence artificielle</i>; /help lists every command."
        ),
        "without_words": "without: {words}",
    }
)

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
            "écrivez quotidien HEURE ou hebdo JOUR HEURE (par exemple quotidien 8h ou "
            "hebdo lundi 8h30)"
        ),
        "schedule.day": "jour inconnu « {value} » : lundi, mardi, mercredi, jeudi, vendredi, samedi ou dimanche",
        "schedule.time": "« {value} » n’est pas une heure comme 8h ou 8h30",
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
        "schedule.time": "“{value}” is not a time such as 8:00 or 08:30",
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
        ("aide", "Les commandes, avec des exemples"),
        ("chercher", "Chercher des articles : /chercher mots"),
        ("citation", "Une citation : /citation [mots]"),
        ("sources", "Les sources suivies"),
        ("abonner", "S’abonner : /abonner source [filtres]"),
        ("desabonner", "Se désabonner : /desabonner source"),
        ("abonnements", "Les abonnements de cette conversation"),
        ("filtre", "Tester des filtres : /filtre test source filtres"),
        ("calme", "Heures calmes : /calme 22h-7h"),
        ("resume", "Résumés : /resume quotidien 8h"),
        ("fuseau", "Fuseau horaire : /fuseau Europe/Paris"),
        ("apercus", "Aperçus de liens : /apercus oui ou non"),
        ("etat", "Où en sont les envois"),
        ("canal", "Configurer un canal"),
        ("langue", "Langue : /langue fr ou en"),
    ],
    "en": [
        ("start", "Welcome and examples"),
        ("help", "The commands, with examples"),
        ("search", "Find posts: /search words"),
        ("quote", "A quote: /quote [words]"),
        ("sources", "The sources followed"),
        ("subscribe", "Subscribe: /subscribe source [filters]"),
        ("unsubscribe", "Unsubscribe: /unsubscribe source"),
        ("subscriptions", "This chat's subscriptions"),
        ("filter", "Test filters: /filter test source filters"),
        ("quiet", "Quiet hours: /quiet 22:00-07:00"),
        ("digest", "Digests: /digest daily 08:00"),
        ("timezone", "Time zone: /timezone Europe/Paris"),
        ("previews", "Link previews: /previews on or off"),
        ("status", "How deliveries stand"),
        ("channel", "Set up a channel"),
        ("language", "Language: /language fr or en"),
    ],
}
# French names Telegram accepts (a-z, 0-9, _) for the commands, registered beside them.
COMMAND_ALIASES = {
    "aide": "help", "chercher": "search", "citation": "quote", "abonner": "subscribe",
    "desabonner": "unsubscribe", "abonnements": "subscriptions", "filtre": "filter",
    "calme": "quiet", "resume": "digest", "fuseau": "timezone", "apercus": "previews",
    "etat": "status", "canal": "channel", "langue": "language",
}  # fmt: skip


def language(code: str | None) -> str:
    """The catalogue language for a Telegram `language_code`: French unless English."""
    return "en" if code and code.lower().startswith("en") else "fr"


def commands(lang: str) -> list[tuple[str, str]]:
    """The command menu of `lang` (name, description), with its typography."""
    return [(name, _render(lang, desc, {})) for name, desc in COMMANDS[lang]]


class _Formatter(string.Formatter):
    """str.format with one more spec: `{n:p:article|articles}` gives `2 articles`."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec.startswith("p:"):
            one, _, many = format_spec[2:].partition("|")
            return f"{value} {one if singular(self.lang, value) else many}"
        return str(super().format_field(value, format_spec))


def singular(lang: str, count: object) -> bool:
    """Whether `count` takes the singular: 0 and 1 in French, only 1 in English."""
    number = count if isinstance(count, int) else 2
    return number == 1 if lang == "en" else abs(number) < 2


def _render(lang: str, template: str, values: dict[str, object]) -> str:
    # Typography goes on the template, never on the values (titles, queries, URLs).
    if lang != "en":
        template = french_spaces(template)
    return _Formatter(lang).format(template, **values)


def text(lang: str, key: str, **values: object) -> str:
    """A catalogue text in `lang`, with placeholders filled (French typography applied)."""
    template = TEXTS.get(lang, TEXTS["fr"]).get(key) or TEXTS["fr"][key]
    return _render(lang if lang in TEXTS else "fr", template, values)


def message(lang: str, key: str, **values: object) -> str:
    """A plain-text sentence of MESSAGES in `lang`; an unknown key gives itself and values."""
    template = MESSAGES.get(lang, MESSAGES["fr"]).get(key) or MESSAGES["fr"].get(key)
    if template is None:
        return " ".join([key.rpartition(".")[2], *map(str, values.values())])
    return _render(lang if lang in MESSAGES else "fr", template, values)


def format_datetime(moment: datetime | None, lang: str) -> str:
    """A moment as people write it: `12 avril 2023 à 08:40` or `12 April 2023 at 08:40`."""
    if moment is None:
        return "?"
    link = "at" if lang == "en" else "à"
    return f"{format_date(moment, lang)} {link} {moment:%H:%M}"


def format_date(moment: datetime | None, lang: str) -> str:
    """A date as people write it: `8 février 2024` or `8 February 2024`."""
    if moment is None:
        return "?"
    month = _MONTHS.get(lang, _MONTHS["fr"]).split()[moment.month - 1]
    return f"{moment.day} {month} {moment.year}"

"""Everything the agent says: the store's voice templates first, then built-in defaults, in the call's language."""
from __future__ import annotations

from decimal import Decimal

from store import hours as store_hours
from store.models import Store
from store.placeholders import fill
from voice.languages import template_language
from voice.selectors import StoreData, store_data

def money(amount: Decimal) -> str:
    return f"${amount:,.2f}".replace(".00", "") if amount == amount.to_integral() else f"${amount:,.2f}"


# How a clock time and a day's span are spoken: store.hours owns it (the templates page previews the same words).
clock = store_hours.clock
span_text = store_hours.span_text


# A prompt may be stored under any of these template types (the first found wins): the
# agent's own names, then the original app's dialogue_templates keys (category general).
ALIASES: dict[str, tuple[str, ...]] = {
    "greeting": ("greeting", "greet"),
    "goodbye": ("goodbye", "thanks_calling"),
    "reask": ("reask", "reask_cap"),
    "operator": ("operator", "connecting_operator", "reask_final", "connect_operator"),
    "manager": ("connect_manager", "manager"),
    "person": ("connect_person", "person"),
    "transfer_department": ("transfer_department", "transfer", "hold"),
    "no_transfer": ("no_transfer",),
    "not_found": ("not_found", "product_not_found"),
    "product": ("product", "product_info"),
    "product_price": ("product_price",),
    "product_in_stock": ("product_in_stock",),
    "product_low_stock": ("product_low_stock",),
    "product_out_of_stock": ("product_out_of_stock",),
    "product_location": ("product_location",),
    "hours": ("hours",),
    "open_now": ("open_now",),
    "closed_now": ("closed_now",),
    "holiday_hours": ("holiday_hours",),
    "address": ("address",),
    "deals": ("deals", "coupons_available"),
    # Not the original's no_specific_coupons: it claims "several store-wide promotions" whatever the data holds.
    "no_deals": ("no_deals",),
    "anything_else": ("anything_else",),
    "ask_which": ("ask_which",),
    "unknown_number": ("unknown_number",),
    "timeout": ("timeout",),
    "transfer_unanswered": ("transfer_unanswered",),
    "error": ("error_processing", "error"),
}

DEFAULTS: dict[str, dict[str, str]] = {
    "en": {
        "greeting": "Thanks for calling {store_name}. How can I help you today?",
        "goodbye": "Thanks for calling {store_name}. Have a nice day!",
        "reask": "Sorry, I didn't catch that. You can ask about a product, our hours, deals, or a department.",
        "operator": "Let me connect you to someone who can help. One moment please.",
        "manager": "I'll connect you to the manager now.",
        "person": "Let me put you through to a member of our team.",
        "transfer_department": "Connecting you to {department} now.",
        "no_transfer": "Our {department} department is at extension {extension}. Please call {store_phone} and ask for them.",
        "not_found": "I'm sorry, I couldn't find {item_name} in our store. Would you like me to connect you to someone who can check?",
        "product_price": "{item_name} is {price}.",
        "product_in_stock": "Yes, we have {item_name} for {price}, in {location}.",
        "product_low_stock": "We have {item_name} for {price}, but only {stock_quantity} left, in {location}.",
        "product_out_of_stock": "Sorry, {item_name} is out of stock right now. It's usually {price}.",
        "product_location": "You'll find {item_name} in {location}.",
        "the_store": "the store",
        "hours": "We're open {hours}.",
        "open_now": "Yes, we're open now. Today's hours are {hours}.",
        "closed_now": "We're closed right now. Today's hours are {hours}.",
        "holiday_hours": "On holidays our hours change: {hours}.",
        "address": "We're at {address}.",
        "phone": "Our phone number is {store_phone}.",
        "product_usual_location": "When it's back, you'll find it in {location}.",
        "deals": "Here are today's deals: {coupons}.",
        "no_deals": "I don't see any deals for that right now.",
        "anything_else": "Is there anything else I can help you with?",
        "ask_which": "We have {item_name}. Which one would you like?",
        "and": "and",
        "unknown_number": "Sorry, this number isn't connected to a store we answer for. Goodbye.",
        "transfer_unanswered": "Sorry, {department} didn't pick up.",
        "timeout": "I've been helping you for a while now. Thank you for calling, and have a nice day!",
        "error": "Sorry, there was an error processing your request. Please try again.",
        "hours_on_day": "{day}, we're open {hours}.",
        "closed_on_day": "{day}, we're closed.",
        "closed_weekly": "We're closed on {days}.",
        "faq": "{answer}",
        "callback_offer": "Would you like us to call you back {when}?",
        "callback_booked": "All set: we'll call you back {when} at the number you're calling from.",
        "offer_declined": "No problem.",
        "nobody_available": "I'm sorry, there's nobody I can put you through to right now.",
        "department_unavailable": "I'm sorry, nobody in {department} can take a call right now.",
        "manager_unavailable": "I'm sorry, the manager can't take a call right now.",
        "staff_unavailable": "I'm sorry, {staff_name} can't take a call right now.",
        "not_understood": "I'm sorry, I'm having trouble understanding.",
        "reask_again": "Sorry, I still didn't get that. You could say a product's name, 'hours', or 'deals'.",
        "no_answer_for": "I'm sorry, I don't have an answer to that.",
        "complaint": "I'm sorry to hear that.",
        "robot": "I'm the store's automated assistant.",
        "robot_offer": "I can answer most questions, or put you through to a member of our team. Would you like that?",
    },
    "es": {
        "greeting": "Gracias por llamar a {store_name}. ¿En qué le puedo ayudar?",
        "goodbye": "Gracias por llamar a {store_name}. ¡Que tenga un buen día!",
        "reask": "Perdón, no le entendí. Puede preguntar por un producto, el horario, las ofertas o un departamento.",
        "operator": "Le comunico con alguien que le pueda ayudar. Un momento, por favor.",
        "manager": "Le comunico con el gerente ahora.",
        "person": "Le comunico con un miembro de nuestro equipo.",
        "transfer_department": "Le comunico con {department} ahora.",
        "no_transfer": "El departamento de {department} está en la extensión {extension}. Llame al {store_phone}.",
        "not_found": "Lo siento, no encontré {item_name} en la tienda. ¿Quiere que le comunique con alguien que lo pueda revisar?",
        "product_price": "{item_name} cuesta {price}.",
        "product_in_stock": "Sí, tenemos {item_name} a {price}, en {location}.",
        "product_low_stock": "Tenemos {item_name} a {price}, pero solo quedan {stock_quantity}, en {location}.",
        "product_out_of_stock": "Lo siento, {item_name} está agotado. Normalmente cuesta {price}.",
        "product_location": "Encuentra {item_name} en {location}.",
        "the_store": "la tienda",
        "hours": "Nuestro horario es {hours}.",
        "open_now": "Sí, estamos abiertos. Hoy abrimos {hours}.",
        "closed_now": "Ahora estamos cerrados. Hoy abrimos {hours}.",
        "holiday_hours": "En días festivos el horario cambia: {hours}.",
        "address": "Estamos en {address}.",
        "deals": "Las ofertas de hoy: {coupons}.",
        "no_deals": "No veo ofertas para eso ahora mismo.",
        "anything_else": "¿Le puedo ayudar con algo más?",
        "ask_which": "Tenemos {item_name}. ¿Cuál quiere?",
        "and": "y",
        "unknown_number": "Lo siento, este número no pertenece a ninguna tienda. Adiós.",
        "transfer_unanswered": "Lo siento, {department} no contestó.",
        "timeout": "Ya llevamos un buen rato. Gracias por llamar, ¡que tenga un buen día!",
        "error": "Lo siento, hubo un error. Por favor, inténtelo de nuevo.",
        "hours_on_day": "{day}: abrimos {hours}.",
        "closed_on_day": "{day}: cerrado.",
        "closed_weekly": "Los {days} cerramos.",
        "faq": "{answer}",
        "callback_offer": "¿Quiere que le llamemos {when}?",
        "callback_booked": "Listo: le llamaremos {when} a este número.",
        "offer_declined": "De acuerdo.",
        "nobody_available": "Lo siento, ahora no hay nadie que pueda atenderle.",
        "department_unavailable": "Lo siento, nadie de {department} puede atender ahora.",
        "robot": "Soy el asistente automático de la tienda.",
    },
    "hi": {
        "greeting": "{store_name} में कॉल करने के लिए धन्यवाद। मैं आपकी क्या मदद कर सकती हूँ?",
        "goodbye": "{store_name} में कॉल करने के लिए धन्यवाद। आपका दिन शुभ हो!",
        "reask": "माफ़ कीजिए, मैं समझ नहीं पाई। आप किसी सामान, समय, ऑफ़र या विभाग के बारे में पूछ सकते हैं।",
        "operator": "मैं आपको किसी सहायक से जोड़ रही हूँ। कृपया एक पल रुकिए।",
        "manager": "मैं आपको मैनेजर से जोड़ रही हूँ।",
        "person": "मैं आपको हमारी टीम के किसी सदस्य से जोड़ रही हूँ।",
        "transfer_department": "मैं आपको {department} से जोड़ रही हूँ।",
        "no_transfer": "{department} विभाग का एक्सटेंशन {extension} है। कृपया {store_phone} पर कॉल करें।",
        "not_found": "माफ़ कीजिए, {item_name} हमारे स्टोर में नहीं मिला। क्या मैं आपको किसी से जोड़ दूँ?",
        "product_price": "{item_name} की कीमत {price} है।",
        "product_in_stock": "हाँ, {item_name} है, कीमत {price}, {location} में।",
        "product_low_stock": "{item_name} है, कीमत {price}, पर सिर्फ़ {stock_quantity} बचे हैं, {location} में।",
        "product_out_of_stock": "माफ़ कीजिए, {item_name} अभी स्टॉक में नहीं है। इसकी कीमत आमतौर पर {price} है।",
        "product_location": "{item_name} {location} में मिलेगा।",
        "the_store": "स्टोर",
        "hours": "हमारा समय {hours} है।",
        "open_now": "हाँ, हम अभी खुले हैं। आज का समय {hours} है।",
        "closed_now": "हम अभी बंद हैं। आज का समय {hours} है।",
        "holiday_hours": "छुट्टियों में समय बदलता है: {hours}।",
        "address": "हमारा पता है {address}।",
        "deals": "आज के ऑफ़र: {coupons}।",
        "no_deals": "अभी इसके लिए कोई ऑफ़र नहीं है।",
        "anything_else": "क्या मैं और कुछ मदद कर सकती हूँ?",
        "ask_which": "हमारे पास {item_name} हैं। आपको कौन सा चाहिए?",
        "and": "और",
        "unknown_number": "माफ़ कीजिए, यह नंबर किसी स्टोर से जुड़ा नहीं है। नमस्ते।",
        "transfer_unanswered": "माफ़ कीजिए, {department} ने फ़ोन नहीं उठाया।",
        "timeout": "हम काफ़ी देर से बात कर रहे हैं। कॉल करने के लिए धन्यवाद, आपका दिन शुभ हो!",
        "error": "माफ़ कीजिए, कुछ गड़बड़ हो गई। कृपया फिर से कोशिश करें।",
    },
}


class Prompts:
    """One store's prompts for one turn: its templates (cached, voice.selectors.store_data), looked up by prompt name."""

    def __init__(self, store: Store, language: str = "en", *, variant: int = 0, data: StoreData | None = None) -> None:
        self.store, self.language, self.variant = store, template_language(language), variant
        self.templates = (data or store_data(store)).templates

    def text(self, prompt: str) -> str:
        if prompt == "greeting" and self.store.greeting_message and self.language == template_language(self.store.language):
            return self.store.greeting_message
        for name in ALIASES.get(prompt, (prompt,)):
            texts = self.templates.get((name, self.language))
            if texts:
                return texts[self.variant % len(texts)]
        return DEFAULTS[self.language].get(prompt) or DEFAULTS["en"][prompt]

    def say(self, prompt: str, **values: object) -> str:
        """The prompt filled in; a placeholder with no value is left out rather than spoken as braces."""
        # {hours}: the week as the table says it (store/hours.py), the words the templates page previews too.
        base = {"store_name": self.store.name, "store_phone": self.store.phone, "address": self.store.address, "hours": store_hours.week_text(self.store)}
        # Owner-written text is never a format string: only the documented {name}s are filled (store/placeholders.py).
        return fill(self.text(prompt), {**base, **{k: v for k, v in values.items() if v is not None}}).strip()


def say(store: Store, prompt: str, *, language: str = "en", **values: object) -> str:
    return Prompts(store, language).say(prompt, **values)

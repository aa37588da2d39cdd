// The public map pages' messages: they travel in the map chunks, not in every page's first load.
import { t } from "../i18n.js";
import id from "../messages/map.id.json";
import en from "../messages/map.en.json";

t.add({ id, en });

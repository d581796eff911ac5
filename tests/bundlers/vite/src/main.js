import * as pc from "projekt-client";
import { mount } from "./scenario.js";

mount(pc, document.getElementById("app"), "projekt-client");
